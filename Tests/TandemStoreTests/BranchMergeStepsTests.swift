import Foundation
import Synchronization
import Testing
import TandemJSON
@testable import TandemStore

/// Branch merges written in steps (`BranchMergeJob`): the same result as the one-job merge, the two
/// sessions held meanwhile (their writes wait and land after the merged block, other sessions commit
/// between the steps), and a merge cut off half-way finished exactly once at the next open.
@Suite struct BranchMergeStepsTests {
    /// The one-job merge (every merge fits one step) and a merge in steps of `stepRows`, on the
    /// same random scenario with the same clock.
    private func mergeBoth(seed: UInt64, stepRows: Int) throws -> (oneJob: [String: [String]], stepped: [String: [String]],
                                                                   results: [BranchMergeResult], steps: Int) {
        var results: [BranchMergeResult] = []
        var dumps: [[String: [String]]] = []
        var steps = 0
        for rows in [1_000_000, stepRows] {
            let clock = TestClock()
            try withStore(clock: clock, configure: { $0.importStepRows = rows }) { store in
                try BranchMergeScenario.build(store, seed: seed)
                let counter = Mutex(0)
                let (first, last) = try BranchMergeScenario.merge(store) { counter.withLock { $0 += 1 } }
                results += [first, last]
                dumps.append(try BranchMergeScenario.dump(store))
                if rows == stepRows { steps = counter.withLock { $0 } }
            }
        }
        return (dumps[0], dumps[1], results, steps)
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func aMergeInStepsWritesWhatTheOneJobMergeWrites(seed: UInt64) throws {
        let stepRows = Int(seed % 4) + 2
        let (oneJob, stepped, results, steps) = try mergeBoth(seed: seed, stepRows: stepRows)
        #expect(steps > 2) // it did go in steps
        #expect(results[0] == results[2]) // the same first answer (conflicts, or the merge)
        #expect(results[1] == results[3])
        guard case .merged(let summary) = results[3] else { Issue.record("not merged: \(results[3])"); return }
        #expect(summary.turnCount > 0 && summary.lastSeq.map { $0 - summary.turnCount + 1 } == summary.firstSeq)
        for table in oneJob.keys.sorted() {
            #expect(oneJob[table] == stepped[table], "table \(table) differs")
        }
        #expect(stepped["branch_merges"] == [])
    }

    /// A merge with turns enough for many steps, and a session `s2` beside it.
    private func bigBranch(_ store: Store, turns: Int) throws {
        try makeSession(store)
        try makeSession(store, id: "s2")
        _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "root"))
        _ = try store.createBranch(session: "s1", actor: "bob", id: "b1")
        for chunk in stride(from: 0, to: turns, by: 1000) {
            _ = try store.appendTurns(session: "b1", actor: "bob", (chunk..<min(turns, chunk + 1000)).map {
                NewTurn(role: .user, content: "branch turn \($0) " + String(repeating: "x", count: 200))
            })
        }
        _ = try store.writeRow(session: "b1", actor: "bob", key: "doc", value: ["v": 1], baseVersion: 0)
    }

    /// The turns `summary` names in the parent are `bigBranch`'s, in order, from seq 2.
    private func expectBigBranchMerged(_ store: Store, _ summary: BranchMergeSummary, turns count: Int) throws {
        let turns = try mergedTurns(store, parent: "s1", summary)
        #expect(turns.map(\.seq) == Array(2...Int64(count) + 1))
        let padding = String(repeating: "x", count: 200)
        #expect(turns.map(\.content) == (0..<count).map { "branch turn \($0) " + padding })
    }

    private func holdInPlace(_ store: Store) throws -> Bool {
        try store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM branch_merges") ?? 0 } > 0
    }

    @Test func writesToTheHeldSessionsWaitAndOthersCommitBetweenTheSteps() throws {
        try withStore(configure: { $0.importStepRows = 200 }) { store in
            try bigBranch(store, turns: 12_000)
            let merged = Mutex<Result<BranchMergeResult, StoreError>?>(nil)
            let thread = Thread {
                let result: Result<BranchMergeResult, StoreError>
                do throws(StoreError) { result = .success(try store.mergeBranch(branch: "b1", actor: "alice")) } catch { result = .failure(error) }
                merged.withLock { $0 = result }
            }
            thread.start()
            let deadline = Date().addingTimeInterval(20)
            while try !holdInPlace(store) && Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
            #expect(try holdInPlace(store))
            // Writes to the parent and the branch: parked, not refused.
            let parentPost = Mutex<Result<AppendResult, StoreError>?>(nil)
            store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "during the merge")]) { result in
                parentPost.withLock { $0 = result }
            }
            let branchPut = Mutex<Result<RowWriteResult, StoreError>?>(nil)
            store.writeRow(session: "b1", actor: "bob", key: "late", value: ["v": 2], baseVersion: 0) { result in
                branchPut.withLock { $0 = result }
            }
            // Another session commits between the steps.
            var waits: [Duration] = []
            var answeredWhileHeld = false
            while merged.withLock({ $0 == nil }) {
                let started = ContinuousClock.now
                _ = try store.appendTurn(session: "s2", actor: "bob", NewTurn(role: .user, content: "elsewhere"))
                waits.append(ContinuousClock.now - started)
                if try holdInPlace(store) && (parentPost.withLock { $0 != nil } || branchPut.withLock { $0 != nil }) {
                    answeredWhileHeld = true
                }
            }
            thread.cancel()
            #expect(!answeredWhileHeld)
            guard case .success(.merged(let summary))? = merged.withLock({ $0 }) else {
                Issue.record("merge failed: \(String(describing: merged.withLock { $0 }))"); return
            }
            #expect(summary.turnCount == 12_000 && summary.firstSeq == 2 && summary.lastSeq == 12_001 && summary.rowKeys == ["doc"])
            try expectBigBranchMerged(store, summary, turns: 12_000)
            let deadline2 = Date().addingTimeInterval(10)
            while parentPost.withLock({ $0 == nil }) || branchPut.withLock({ $0 == nil }), Date() < deadline2 {
                Thread.sleep(forTimeInterval: 0.001)
            }
            // The parent's post lands right after the merged block; the branch's put finds it archived.
            #expect(try parentPost.withLock { $0 }?.get().turns.first?.seq == 12_002)
            let put = branchPut.withLock { $0 }
            #expect(put.map { result in errorCode { _ = try result.get() } } == "session_archived")
            let sorted = waits.sorted()
            let median = sorted[sorted.count / 2], longest = sorted.last ?? .zero
            print("merge of 12,000 turns in steps of 200: \(waits.count) posts to another session meanwhile, median \(median), longest \(longest)")
            #expect(waits.count > 5)
            #expect(median < .milliseconds(50))
        }
    }

    @Test func parkedJobsCountAgainstTheQueueLimit() throws {
        try withStore(configure: { $0.importStepRows = 2; $0.maxQueuedJobs = 3 }) { store in
            try BranchMergeScenario.build(store, seed: 3)
            let target = try store.write { ctx throws(StoreError) in
                try BranchMergeJob.begin(ctx, branch: "b1", actor: "alice", resolutions: [:], texts: [:], stepRows: 2)
            }
            guard case .held(let held) = target else { Issue.record("not held"); return }
            let answers = Mutex<[String]>([])
            for i in 0..<4 {
                store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "p\(i)")]) { result in
                    answers.withLock { $0.append(errorCode { _ = try result.get() } ?? "ok") }
                }
                Thread.sleep(forTimeInterval: 0.02) // each parked before the next comes
            }
            // Three parked; the fourth found the queue full.
            #expect(answers.withLock { $0 } == ["busy"])
            // The hold lifted by another connection (as another process would): the writer looks again.
            let other = try Database(path: store.configuration.path)
            try other.run("DELETE FROM branch_merges WHERE branch_sid = ?", [.integer(held.branchSid)])
            let deadline = Date().addingTimeInterval(5)
            while answers.withLock({ $0.count }) < 4 && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
            #expect(answers.withLock { $0 } == ["busy", "ok", "ok", "ok"])
            let contents = try store.turns(session: "s1", actor: "bob", since: 0).suffix(3).map(\.content)
            #expect(contents == ["p0", "p1", "p2"]) // in their order
        }
    }

    /// The scenario begun and `steps` steps taken, then the store closed (as a process killed
    /// between two steps leaves it: every step is a transaction of its own), and opened again.
    private func cutOff(seed: UInt64, steps: Int, clock: TestClock) throws -> [String: [String]] {
        let dir = TempDir()
        defer { dir.cleanup() }
        var config = StoreConfiguration(path: dir.dbPath)
        config.clock = { clock.now }
        config.importStepRows = 3
        do {
            let store = try Store(config)
            defer { store.close() }
            try createTestUsers(store)
            try BranchMergeScenario.build(store, seed: seed)
            // Settle conflicts first, as the scenario's merge does.
            var resolutions: [String: JSONValue] = [:]
            if case .conflict(let byKey, _) = try store.mergeBranch(branch: "b1", actor: "alice") {
                for key in byKey.keys { resolutions[key] = ["a": .string("resolved \(key)")] }
            }
            let chosen = resolutions
            let start = try store.write { ctx throws(StoreError) in
                try BranchMergeJob.begin(ctx, branch: "b1", actor: "alice", resolutions: chosen,
                                         texts: chosen.mapValues { $0.serialized() }, stepRows: 3)
            }
            guard case .held(let target) = start else { Issue.record("fits one step"); return [:] }
            for _ in 0..<steps {
                let step = try store.write { ctx throws(StoreError) in try BranchMergeJob.step(ctx, branch: target.branchSid, limit: 3) }
                #expect(step.finished == nil)
            }
            #expect(try holdInPlace(store))
        }
        let reopened = try Store(config)
        defer { reopened.close() }
        #expect(try !holdInPlace(reopened))
        return try BranchMergeScenario.dump(reopened)
    }

    @Test(arguments: [0, 1, 4] as [Int])
    func aMergeCutOffBetweenStepsIsFinishedOnceAtTheNextOpen(steps: Int) throws {
        let seed: UInt64 = 5
        let clock = TestClock()
        let reference = try withStore(clock: clock, configure: { $0.importStepRows = 1_000_000 }) { store in
            try BranchMergeScenario.build(store, seed: seed)
            _ = try BranchMergeScenario.merge(store)
            return try BranchMergeScenario.dump(store)
        }
        let finished = try cutOff(seed: seed, steps: steps, clock: TestClock())
        for table in reference.keys.sorted() where table != "audit_log" {
            #expect(reference[table] == finished[table], "table \(table) differs")
        }
        // The audit log also has the merges the reference asked for in one go.
        #expect(finished["audit_log"]?.filter { $0.contains("branch.merge") }.count == 1)
    }

    /// Another process that finishes merges at open (a tandem-admin when no tandemd holds the
    /// server lock; beside a server it leaves them: `MergeLeftToServerTests`) opening the database
    /// mid-merge: its open finishes the merge; the merger's next step finds the job gone and writes
    /// nothing twice.
    @Test func anotherProcessOpeningMidMergeFinishesItOnce() throws {
        let clock = TestClock()
        let reference = try withStore(clock: clock, configure: { $0.importStepRows = 1_000_000 }) { store in
            try BranchMergeScenario.build(store, seed: 5)
            _ = try BranchMergeScenario.merge(store)
            return try BranchMergeScenario.dump(store)
        }
        try withStore(clock: TestClock(), configure: { $0.importStepRows = 3 }) { store in
            try BranchMergeScenario.build(store, seed: 5)
            var resolutions: [String: JSONValue] = [:]
            if case .conflict(let byKey, _) = try store.mergeBranch(branch: "b1", actor: "alice") {
                for key in byKey.keys { resolutions[key] = ["a": .string("resolved \(key)")] }
            }
            let chosen = resolutions
            guard case .held(let target) = try store.write({ ctx throws(StoreError) in
                try BranchMergeJob.begin(ctx, branch: "b1", actor: "alice", resolutions: chosen,
                                         texts: chosen.mapValues { $0.serialized() }, stepRows: 3)
            }) else { Issue.record("fits one step"); return }
            _ = try store.write { ctx throws(StoreError) in try BranchMergeJob.step(ctx, branch: target.branchSid, limit: 3) }
            var other = StoreConfiguration(path: store.configuration.path)
            other.clock = store.configuration.clock
            other.importStepRows = 3
            let admin = try Store(other) // finishes the merge before it returns
            admin.close()
            let step = try store.write { ctx throws(StoreError) in try BranchMergeJob.step(ctx, branch: target.branchSid, limit: 3) }
            #expect(step.gone && step.merged.isEmpty)
            #expect(try !holdInPlace(store))
            let finished = try BranchMergeScenario.dump(store)
            for table in reference.keys.sorted() where table != "audit_log" {
                #expect(reference[table] == finished[table], "table \(table) differs")
            }
        }
    }

    /// A write that names the held session by its sid, not its id (removing a user from every
    /// session they belong to logs a `member` event in each), waits too.
    @Test func aUsersRemovalFromAHeldSessionWaitsForTheMerge() throws {
        try withStore(configure: { $0.importStepRows = 3 }) { store in
            try bigBranch(store, turns: 30)
            guard case .held(let target) = try store.write({ ctx throws(StoreError) in
                try BranchMergeJob.begin(ctx, branch: "b1", actor: "alice", resolutions: [:], texts: [:], stepRows: 3)
            }) else { Issue.record("fits one step"); return }
            let head = try store.session(id: "s1").lastEventSeq
            let removed = Mutex<Bool>(false)
            let thread = Thread {
                do { try store.adminRemoveUser(id: "dave") } catch { Issue.record("removal failed: \(error)") }
                removed.withLock { $0 = true }
            }
            thread.start()
            Thread.sleep(forTimeInterval: 0.2)
            #expect(removed.withLock { $0 } == false)
            #expect(try store.session(id: "s1").lastEventSeq == head)
            var result: BranchMergeJob.Step
            repeat {
                result = try store.write { ctx throws(StoreError) in try BranchMergeJob.step(ctx, branch: target.branchSid, limit: 3) }
            } while result.finished == nil
            let deadline = Date().addingTimeInterval(5)
            while !removed.withLock({ $0 }) && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
            #expect(removed.withLock { $0 })
            // The member event comes after the merge's own last event.
            let last = try store.changes(session: "s1", actor: "alice", since: 0).events.suffix(2).map(\.kind.rawValue)
            #expect(last == ["branch_merge", "member"])
        }
    }

    /// A merge whose steps stopped while the process runs (its merger's steps failed) is finished
    /// by the once-a-minute pickup when nobody advanced it for a minute, and left alone before.
    @Test func aMergeNobodyAdvancesIsFinishedByThePickup() throws {
        let clock = TestClock()
        try withStore(clock: clock, configure: { $0.importStepRows = 3 }) { store in
            try bigBranch(store, turns: 30)
            guard case .held(let target) = try store.write({ ctx throws(StoreError) in
                try BranchMergeJob.begin(ctx, branch: "b1", actor: "alice", resolutions: [:], texts: [:], stepRows: 3)
            }) else { Issue.record("fits one step"); return }
            _ = try store.write { ctx throws(StoreError) in try BranchMergeJob.step(ctx, branch: target.branchSid, limit: 3) }
            clock.advance(59_000)
            try store.finishStaleMerges()
            #expect(try holdInPlace(store))
            clock.advance(2_000)
            try store.finishStaleMerges()
            #expect(try !holdInPlace(store))
            #expect(try store.session(id: "s1").lastTurnSeq == 31)
            #expect(try store.session(id: "b1").status == .archived)
        }
    }

    @Test func aMergeRefusedByItsPlanWritesNothingAndLiftsTheHold() throws {
        try withStore(configure: { $0.importStepRows = 3; $0.maxRowsPerSession = 6 }) { store in
            try bigBranch(store, turns: 30)
            for n in 0..<4 { _ = try store.writeRow(session: "b1", actor: "bob", key: "new\(n)", value: ["n": .integer(Int64(n))], baseVersion: 0) }
            for n in 0..<3 { _ = try store.writeRow(session: "s1", actor: "bob", key: "p\(n)", value: ["n": .integer(Int64(n))], baseVersion: 0) }
            let before = try tableCounts(store)
            let batches = store.writer.batches
            #expect(errorCode { _ = try store.mergeBranch(branch: "b1", actor: "alice") } == "limit_exceeded")
            #expect(store.writer.batches - batches >= 2) // held, then dropped: it did not fit one job
            #expect(try tableCounts(store) == before)
            #expect(try !holdInPlace(store))
            #expect(try store.session(id: "b1").branchStatus == "open")
            #expect(try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "next")).seq == 2)
        }
    }

    @Test func aBranchDeletedFromUnderAMergeEndsItAndLiftsTheHold() throws {
        try withStore(configure: { $0.importStepRows = 3 }) { store in
            try bigBranch(store, turns: 30)
            let start = try store.write { ctx throws(StoreError) in
                try BranchMergeJob.begin(ctx, branch: "b1", actor: "alice", resolutions: [:], texts: [:], stepRows: 3)
            }
            guard case .held(let target) = start else { Issue.record("fits one step"); return }
            _ = try store.write { ctx throws(StoreError) in try BranchMergeJob.step(ctx, branch: target.branchSid, limit: 3) }
            // As another process writing the file would: the branch hidden for removal.
            try store.write { ctx throws(StoreError) in
                ctx.holds.bypass = true
                try SessionReaper.hide(ctx, sid: target.branchSid, actor: "alice")
            }
            let step = try store.write { ctx throws(StoreError) in try BranchMergeJob.step(ctx, branch: target.branchSid, limit: 3) }
            #expect(step.ended != nil)
            #expect(try !holdInPlace(store))
            // What was merged stays; the parent takes writes again.
            #expect(try store.session(id: "s1").lastTurnSeq == 1 + 2) // the row, then two turns
            #expect(try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "next")).seq == 4)
        }
    }
}
