#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import TandemTransport

/// A connection's outbound queue over a real socket: it writes every byte in order, and a drained
/// queue keeps its array for the next burst unless the array is big.
@Suite struct OutboundQueueTests {
    private func socketPair() throws -> (Int32, Int32) {
        var fds: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        return (fds[0], fds[1])
    }

    private func readAll(_ fd: Int32, count: Int) -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while out.count < count {
            // Safe: the pointer is lent to the call only and not kept.
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            out += chunk[0..<n]
        }
        return out
    }

    /// Queues `frames` frames of 3..66 bytes, drains them into the socket, checks the bytes.
    // Safe: `staging` is the test's allocation, alive for the call
    private func burst(_ queue: inout OutboundQueue, frames: Int, writer: Int32, reader: Int32,
                       staging: UnsafeMutableRawBufferPointer) throws {
        var expected: [UInt8] = []
        for index in 0..<frames {
            let bytes = (0..<(3 + index % 64)).map { UInt8(truncatingIfNeeded: index &+ $0) }
            expected += bytes
            queue.append(FrameBytes.make(copying: bytes))
        }
        #expect(queue.byteCount == expected.count)
        #expect(queue.write(fd: writer, staging: staging) == .drained)
        #expect(queue.isEmpty)
        #expect(readAll(reader, count: expected.count) == expected)
    }

    @Test func aDrainedQueueKeepsItsArrayUnlessItIsBig() throws {
        let (writer, reader) = try socketPair()
        defer { close(writer); close(reader) }
        var size: Int32 = 1 << 20
        setsockopt(writer, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        // Safe: the queue's writes use this buffer only during each call below; freed when the test ends.
        let staging = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
        defer { staging.deallocate() }
        var queue = OutboundQueue()

        try burst(&queue, frames: 100, writer: writer, reader: reader, staging: staging)
        let kept = queue.slotCapacity
        #expect(kept >= 100 && kept <= OutboundQueue.keptSlots, "capacity \(kept)")
        // The next burst of the same size reuses the array.
        try burst(&queue, frames: 100, writer: writer, reader: reader, staging: staging)
        #expect(queue.slotCapacity == kept)

        try burst(&queue, frames: 1_000, writer: writer, reader: reader, staging: staging)
        #expect(queue.slotCapacity <= OutboundQueue.keptSlots, "a big array is let go: \(queue.slotCapacity)")
    }

    /// A drained queue keeps its slots but not the frames in them: every frame written is released
    /// (a broadcast frame is shared by every member's queue; one kept here would outlive the run).
    @Test func aDrainedQueueReleasesTheFramesItWrote() throws {
        let (writer, reader) = try socketPair()
        defer { close(writer); close(reader) }
        // Safe: the queue's writes use this buffer only during each call below; freed when the test ends.
        let staging = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
        defer { staging.deallocate() }
        var queue = OutboundQueue()
        weak var small: FrameBytes?
        weak var large: FrameBytes?
        do {
            // One under the staging threshold (sent from the staging copy), one over it (writev).
            let first = FrameBytes.make(copying: [1, 2, 3])
            let second = FrameBytes.make(copying: [UInt8](repeating: 7, count: OutboundQueue.coalesceBelow + 1))
            small = first
            large = second
            queue.append(first)
            queue.append(second)
        }
        #expect(small != nil && large != nil, "the queue holds its frames until they are written")
        #expect(queue.write(fd: writer, staging: staging) == .drained)
        #expect(small == nil && large == nil, "a drained queue released its frames")
        #expect(queue.slotCapacity >= 2, "and kept its slots")
        let expected = [1, 2, 3] + [UInt8](repeating: 7, count: OutboundQueue.coalesceBelow + 1)
        #expect(readAll(reader, count: expected.count) == expected)
    }
}
