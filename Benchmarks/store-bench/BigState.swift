import ArgumentParser
import Foundation
import Synchronization
import TandemJSON
import TandemStore

/// The writer's time for the operations whose cost could grow with a session's state rows:
/// checkpoint save, a restore that changes two rows, and the merge of a branch that changed
/// nothing. Nothing else writes meanwhile, so each call's wall time is the time it held the writer.
struct BigState: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "big-state",
                                                    abstract: "Checkpoint save/restore and branch merge on a session with many rows.")
    @OptionGroup var common: Common
    @Option(help: "State rows in the session.") var rows = 10_000
    @Option(help: "on, or off to drop the triggers that count the session's rows (what they cost a fork's copy).") var countTriggers = "on"

    func run() throws {
        let bench = BenchDatabase(in: common.dir)
        defer { bench.cleanup() }
        let store = try openBenchStore(path: bench.path, synchronous: common.synchronous, fts: true)
        defer { store.close() }
        if countTriggers == "off" { try dropRowCountTriggers(databaseAt: bench.path) }
        let start = seconds()
        try fillRows(store, count: rows)
        _ = try store.appendTurn(session: "bench", actor: "u1", NewTurn(role: .user, content: "before the fork"))
        print(String(format: "filled %d rows in %.1f s", rows, seconds() - start))

        var saves: [Double] = [], restores: [Double] = [], forks: [Double] = [], merges: [Double] = []
        for run in 1...common.runs {
            var t0 = seconds()
            _ = try store.saveCheckpoint(session: "bench", actor: "u0", name: "cp-\(run)")
            saves.append((seconds() - t0) * 1e3)
            for key in ["row-0", "row-1"] {
                let version = try store.stateRow(session: "bench", actor: "u0", key: key)!.version
                _ = try store.writeRow(session: "bench", actor: "u1", key: key, value: ["changed": .integer(Int64(run))], baseVersion: version)
            }
            t0 = seconds()
            let restored = try store.restoreCheckpoint(session: "bench", actor: "u0", name: "cp-\(run)")
            restores.append((seconds() - t0) * 1e3)
            t0 = seconds()
            _ = try store.createBranch(session: "bench", actor: "u0", id: "branch-\(run)")
            forks.append((seconds() - t0) * 1e3)
            t0 = seconds()
            let merged = try store.mergeBranch(branch: "branch-\(run)", actor: "u0")
            merges.append((seconds() - t0) * 1e3)
            guard case .merged(let summary) = merged else { throw ValidationError("the merge conflicted") }
            print(String(format: "run %d: save %.1f ms, restore (%d rows) %.1f ms, fork %.1f ms, merge of an unchanged branch (%d turns, %d rows) %.1f ms",
                         run, saves.last!, restored.rows.count, restores.last!, forks.last!, summary.turnCount, summary.rowCount, merges.last!))
        }
        print(String(format: "%d rows, medians of %d: checkpoint.save %.1f ms, checkpoint.restore %.1f ms, branch fork %.1f ms, branch.merge %.1f ms",
                     rows, common.runs, median(saves), median(restores), median(forks), median(merges)))
    }

    /// Writes rows row-0 ... row-(count-1), 2,000 in flight at a time (group commit).
    private func fillRows(_ store: Store, count: Int) throws {
        let failures = Atomic<Int>(0)
        var next = 0
        while next < count {
            let group = DispatchGroup()
            for i in next..<min(count, next + 2_000) {
                group.enter()
                let value: JSONValue = ["title": .string("row \(i)"), "items": .array([.integer(Int64(i)), .string("some text")])]
                store.writeRow(session: "bench", actor: "u1", key: "row-\(i)", value: value, baseVersion: 0) { result in
                    if case .failure = result { failures.add(1, ordering: .relaxed) }
                    group.leave()
                }
            }
            group.wait()
            next += 2_000
        }
        guard failures.load(ordering: .relaxed) == 0 else { throw ValidationError("\(failures.load(ordering: .relaxed)) row writes failed") }
    }
}
