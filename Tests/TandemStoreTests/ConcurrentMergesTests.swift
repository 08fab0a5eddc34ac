import Foundation
import Synchronization
import Testing
import TandemJSON
@testable import TandemStore

/// Merges in steps that meet: two into one parent at once, and a branch of a branch merged into
/// its parent while that parent is merged into its own. None waits forever, none interleaves its
/// turns with another's, and each lands whole.
@Suite struct ConcurrentMergesTests {
    private func fill(_ store: Store, _ session: String, _ prefix: String, count: Int) throws {
        _ = try store.appendTurns(session: session, actor: "alice", (0..<count).map { NewTurn(role: .user, content: "\(prefix)\($0)") })
    }

    /// Runs the merges on threads of their own; their answers, or nil for one that did not end
    /// within 60 s.
    private func mergeAtOnce(_ store: Store, _ branches: [String]) -> [Result<BranchMergeResult, StoreError>?] {
        let results = Mutex<[Int: Result<BranchMergeResult, StoreError>]>([:])
        let group = DispatchGroup()
        for (i, branch) in branches.enumerated() {
            group.enter()
            Thread {
                let result = Result { () throws(StoreError) -> BranchMergeResult in try store.mergeBranch(branch: branch, actor: "alice") }
                results.withLock { $0[i] = result }
                group.leave()
            }.start()
        }
        _ = group.wait(timeout: .now() + 60)
        return branches.indices.map { i in results.withLock { $0[i] } }
    }

    @Test func twoMergesIntoOneParentEachLandWholeOneAfterTheOther() throws {
        try withStore(configure: { $0.importStepRows = 100 }) { store in
            _ = try makeSession(store, id: "p")
            _ = try store.appendTurn(session: "p", actor: "alice", NewTurn(role: .user, content: "base"))
            _ = try store.createBranch(session: "p", actor: "alice", id: "b1")
            _ = try store.createBranch(session: "p", actor: "alice", id: "b2")
            try fill(store, "b1", "x", count: 1_000)
            try fill(store, "b2", "y", count: 1_000)
            let results = mergeAtOnce(store, ["b1", "b2"])
            for (result, prefix) in zip(results, ["x", "y"]) {
                guard case .success(.merged(let summary))? = result else { Issue.record("not merged: \(String(describing: result))"); continue }
                // Each answer names its own block, whole: its branch's thousand turns.
                #expect(try mergedTurns(store, parent: "p", summary).map(\.content) == (0..<1_000).map { "\(prefix)\($0)" })
            }
            let contents = try store.turns(session: "p", actor: "alice", after: 1, limit: 10_000).map(\.content)
            let xs = (0..<1_000).map { "x\($0)" }, ys = (0..<1_000).map { "y\($0)" }
            #expect(contents == xs + ys || contents == ys + xs)
            #expect(try store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM branch_merges") } == 0)
        }
    }

    @Test func aBranchOfABranchMergedWhileItsParentMergesEndsOneWayOrTheOther() throws {
        try withStore(configure: { $0.importStepRows = 100 }) { store in
            _ = try makeSession(store, id: "p")
            _ = try store.appendTurn(session: "p", actor: "alice", NewTurn(role: .user, content: "base"))
            _ = try store.createBranch(session: "p", actor: "alice", id: "b")
            try fill(store, "b", "x", count: 1_000)
            _ = try store.createBranch(session: "b", actor: "alice", id: "c")
            try fill(store, "c", "y", count: 1_000)
            let results = mergeAtOnce(store, ["b", "c"])
            #expect(results.allSatisfy { $0 != nil }, "a merge never ended")
            guard case .success(.merged)? = results[0] else { Issue.record("b not merged: \(String(describing: results[0]))"); return }
            let contents = try store.turns(session: "p", actor: "alice", after: 1, limit: 10_000).map(\.content)
            let xs = (0..<1_000).map { "x\($0)" }, ys = (0..<1_000).map { "y\($0)" }
            switch results[1] {
            case .success(.merged)?:
                #expect(contents == xs + ys) // c went into b first, and b brought it along
            case .failure?:
                #expect(contents == xs) // b was merged (archived) first: c's merge is refused
                #expect(try store.session(id: "c").status == .active)
            default:
                Issue.record("c: \(String(describing: results[1]))")
            }
            #expect(try store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM branch_merges") } == 0)
        }
    }
}

/// Parked jobs count against the write queue's limit; a merge's own steps must still get in, or
/// a queue filled with writes waiting for the merge would keep the merge from ever ending (and
/// every session's writes would answer `busy` until then).
@Suite struct MergeStepsPastAFullQueueTests {
    @Test func aQueueFullOfParkedWritesDoesNotStopTheMerge() throws {
        try withStore(configure: { $0.importStepRows = 10; $0.maxQueuedJobs = 20 }) { store in
            _ = try makeSession(store, id: "p")
            _ = try store.appendTurn(session: "p", actor: "alice", NewTurn(role: .user, content: "base"))
            _ = try store.createBranch(session: "p", actor: "alice", id: "b")
            _ = try store.appendTurns(session: "b", actor: "alice", (0..<300).map { NewTurn(role: .user, content: "m\($0)") })
            // Once the merge holds p, posts to p fill the queue (parked) before its next step comes.
            let answers = Mutex<[String]>([])
            let filler = Thread {
                var held = false
                while !held {
                    let count: Int64? = try? store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM branch_merges") ?? 0 }
                    held = (count ?? 0) > 0
                }
                for i in 0..<40 {
                    store.appendTurns(session: "p", actor: "alice", [NewTurn(role: .user, content: "post\(i)")]) { result in
                        answers.withLock { $0.append(errorCode { _ = try result.get() } ?? "ok") }
                    }
                }
            }
            filler.start()
            let started = Date()
            let result = Result { () throws(StoreError) -> BranchMergeResult in try store.mergeBranch(branch: "b", actor: "alice") }
            let elapsed = Date().timeIntervalSince(started)
            guard case .success(.merged(let summary)) = result else {
                Issue.record("the merge did not end: \(result) after \(elapsed) s; queued answers so far \(answers.withLock { $0 })")
                return
            }
            #expect(summary.turnCount == 300 && summary.firstSeq == 2 && summary.lastSeq == 301)
            let deadline = Date().addingTimeInterval(10)
            while answers.withLock({ $0.count }) < 40 && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
            let oks = answers.withLock { $0 }.filter { $0 == "ok" }.count
            #expect(oks > 0)
            // What waited landed after the merged block, in order.
            let contents = try store.turns(session: "p", actor: "alice", after: 1, limit: 10_000).map(\.content)
            #expect(Array(contents.prefix(300)) == (0..<300).map { "m\($0)" })
            #expect(Array(contents.dropFirst(300)) == (0..<40).map { "post\($0)" }.filter { contents.contains($0) })
            print("merge past a full queue: \(Int(elapsed * 1000)) ms, \(oks) of 40 posts waited and landed")
        }
    }
}
