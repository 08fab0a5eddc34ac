import Foundation
import Synchronization
import Testing
import TandemJSON
@testable import TandemStore

/// A stepped merge whose step fails three times: the job and its hold stay and the pickup finishes
/// the merge, so the merger is told it is under way (`busy`, the wire's `unavailable`), not that it
/// failed (before: the step's own error, `sqlite`, and the merge went on regardless).
@Suite struct MergeStepFailureTests {
    private func holdInPlace(_ store: Store) throws -> Bool {
        try store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM branch_merges") ?? 0 } > 0
    }

    @Test func aMergeWhoseStepsKeepFailingIsAnsweredAsUnderWayAndFinishedLater() throws {
        let clock = TestClock()
        try withStore(clock: clock, configure: { $0.importStepRows = 3 }) { store in
            try makeSession(store)
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "root"))
            _ = try store.createBranch(session: "s1", actor: "bob", id: "b1")
            _ = try store.appendTurns(session: "b1", actor: "bob", (0..<30).map { NewTurn(role: .user, content: "branch turn \($0)") })
            // After the first step, every later step's cursor update fails (as a storage error would).
            let injected = Mutex(false)
            let onStep: @Sendable () -> Void = {
                guard !injected.withLock({ let was = $0; $0 = true; return was }) else { return }
                do throws(StoreError) {
                    try store.write { ctx throws(StoreError) in
                        try ctx.db.run("CREATE TRIGGER fail_steps BEFORE UPDATE ON branch_merges BEGIN SELECT RAISE(ABORT, 'injected'); END")
                    }
                } catch { Issue.record("trigger: \(error)") }
            }
            let answer: StoreError?
            do throws(StoreError) {
                _ = try store.mergeBranch(branch: "b1", actor: "alice", onStep: onStep)
                answer = nil
            } catch {
                answer = error
            }
            #expect(answer?.kind == .busy)
            #expect(answer?.message.contains("under way and will be finished in the background") == true)
            #expect(answer?.message.contains("a step failed: sqlite") == true)
            #expect(try holdInPlace(store))
            try store.write { ctx throws(StoreError) in try ctx.db.run("DROP TRIGGER fail_steps") }
            clock.advance(61_000)
            try store.finishStaleMerges()
            #expect(try !holdInPlace(store))
            #expect(try store.session(id: "s1").lastTurnSeq == 31)
            #expect(try store.session(id: "b1").status == .archived)
        }
    }
}
