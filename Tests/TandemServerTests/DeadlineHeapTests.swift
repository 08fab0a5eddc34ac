import Testing
@testable import TandemServer

@Suite struct DeadlineHeapTests {
    /// Deterministic deadlines, with repeats (a small range over many entries).
    private func deadlines(_ count: Int, seed: UInt64) -> [Int64] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int64((state >> 33) % 997)
        }
    }

    private func drain(_ heap: inout DeadlineHeap) -> [Int64] {
        var out: [Int64] = []
        while let entry = heap.popMin() { out.append(entry.at) }
        return out
    }

    @Test func popsInDeadlineOrderWhetherPushedOrBuiltAtOnce() {
        let ats = deadlines(2_000, seed: 7)
        var pushed = DeadlineHeap()
        for (i, at) in ats.enumerated() { pushed.push(.init(at: at, id: UInt64(i))) }
        #expect(pushed.count == 2_000 && pushed.min?.at == ats.min())
        var built = DeadlineHeap(ats.enumerated().map { .init(at: $0.element, id: UInt64($0.offset)) })
        #expect(drain(&pushed) == ats.sorted())
        #expect(drain(&built) == ats.sorted())
        #expect(pushed.isEmpty && pushed.popMin() == nil && pushed.min == nil)
    }

    @Test func interleavedPushesAndPopsKeepTheOrder() {
        var heap = DeadlineHeap()
        var model: [Int64] = []
        for (i, at) in deadlines(3_000, seed: 11).enumerated() {
            if i % 3 == 2 {
                let popped = heap.popMin()?.at
                #expect(popped == model.min())
                if let popped { model.remove(at: model.firstIndex(of: popped)!) }
            } else {
                heap.push(.init(at: at, id: UInt64(i)))
                model.append(at)
            }
        }
        #expect(drain(&heap) == model.sorted())
    }
}
