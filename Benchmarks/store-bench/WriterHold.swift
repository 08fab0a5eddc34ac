import ArgumentParser
import Foundation
import Synchronization
import TandemJSON
import TandemStore

/// How long one writer job keeps every other session from committing: while `job` runs, a
/// prober posts one turn at a time to another session and times each post; the longest post
/// that overlapped the job is (within one commit) the longest the job held the writer. A job
/// done in steps shows its longest step there, not its whole duration.
struct WriterHold: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "writer-hold",
        abstract: "The longest a writer job (branch merge, clear, template, text merge, quota check...) holds up another session's post.")
    @OptionGroup var common: Common
    @Argument(help: "merge, merge-rows, fork, delete, delete-parent, import, clear, undo, template-save, template-create, text-merge, text-edit, text-many, object-many, object-one, object-big, array-long, merge-texts, quota, remove-user, update-metadata, remove-member.") var job: String
    @Option(help: "Size: turns (merge, delete, import, clear, undo), branches (delete-parent), rows (template), lines (text-merge), sessions (quota, remove-user), members (remove-member), bytes (update-metadata).")
    var size = 100_000
    @Option(help: "max-merge-diff-steps for text-merge (0: unbounded, as before the bound).") var diffSteps = 10_000_000
    @Option(help: "merge-texts: lines of each row's text (its reordered part; more lines, more diff steps per row).")
    var textLines = 4_000
    @Option(help: "Rows per step of a template's create (importStepRows; a huge value writes them all in one step, as the one-job create did).")
    var stepRows = 500
    @Option(help: "merge-rows: bytes of text padding each row's value (0: a small value), for the merge's peak memory with big rows.")
    var rowBytes = 0
    @Option(help: "delete: bytes of each of 4 turns posted last, just before the delete (0: none), so that its retired tail (RetiredTail: up to 1 MiB) holds them.")
    var tailTurnBytes = 0
    @Option(help: "Who posts during the job, one turn at a time: other (to another session), parent (to the merged-into session \"bench\", whose posts wait for the merge: merge, merge-rows), both, none (nobody: the job alone on an idle store).")
    var probe = "other"
    @Option(help: "on: a step of background work pauses only when other writes wanted the writer (adaptiveStepPause); off: after every step, as before.")
    var adaptivePause = "on"
    @Option(help: "Milliseconds each prober waits after a post before the next (0.5: a steady stream; 10: the session-stall probe's pace).")
    var probeGap = 0.5

    func run() throws {
        for run in 1...common.runs {
            let bench = BenchDatabase(in: common.dir)
            defer { bench.cleanup() }
            let store = try openBenchStore(path: bench.path, synchronous: common.synchronous, fts: true, writers: 2) { config in
                config.maxSessionsPerUser = max(config.maxSessionsPerUser, size + 10)
                config.maxMergeDiffSteps = diffSteps > 0 ? diffSteps : .max
                config.maxMembersPerSession = max(config.maxMembersPerSession, size + 10)
                config.importStepRows = stepRows
                config.adaptiveStepPause = adaptivePause != "off"
            }
            defer { store.close() }
            _ = try store.createSession(id: "probe", title: "probe", owner: "u0")
            guard ["other", "parent", "both", "none"].contains(probe) else { throw ValidationError("--probe: other, parent, both or none") }
            let body = try prepare(store)
            try store.catchUpSearchIndex()
            let prober = Prober(store: store, session: "probe", gap: probeGap / 1e3)
            let parentProber = Prober(store: store, session: "bench", gap: probeGap / 1e3)
            let probesOther = probe == "other" || probe == "both", probesParent = probe == "parent" || probe == "both"
            if probesOther { prober.start() }
            if probesParent { parentProber.start() }
            let stepsBefore = store.stepPauseCounts
            Thread.sleep(forTimeInterval: 0.05)
            // The job's own peak: the set-up (filling the branch) may have peaked higher.
            let peakReset = PeakMemory.reset()
            let rssBefore = PeakMemory.resident
            let t0 = seconds()
            let outcome = try body()
            let t1 = seconds()
            let peak = PeakMemory.peak
            Thread.sleep(forTimeInterval: 0.02)
            let steps = store.stepPauseCounts.since(stepsBefore)
            let other = probesOther ? prober.stop(overlapping: t0...t1) : (max: 0.0, median: 0.0, count: 0)
            print(String(format: "writer-hold %@ size %d run %d: job %.1f ms (%@); longest post meanwhile %.1f ms (%d posts, p50 %.2f ms)",
                         job, size, run, (t1 - t0) * 1e3, outcome, other.max, other.count, other.median))
            if probesParent {
                let parent = parentProber.stop(overlapping: t0...t1)
                print(String(format: "  posts to the parent meanwhile: longest %.1f ms (%d posts, p50 %.2f ms)", parent.max, parent.count, parent.median))
            }
            if steps.steps > 0 {
                print(String(format: "  steps: %d; after them no pause %d, a pause for other writes %d, always %d, for a long WAL %d; paused %.1f ms in all",
                             steps.steps, steps.idle, steps.shared, steps.always, steps.walIsLong, (Double(steps.paused.components.seconds) + Double(steps.paused.components.attoseconds) * 1e-18) * 1e3))
            }
            print(String(format: "  RSS before the job %.1f MiB, peak during it %.1f MiB (+%.1f)%@", rssBefore, peak, peak - rssBefore,
                         peakReset ? "" : " (peak not reset: includes the set-up)"))
        }
    }

    /// Sets up the job's data; returns the job, which answers a short description of its result.
    private func prepare(_ store: Store) throws -> () throws -> String {
        var gen = TextGenerator(seed: 7)
        switch job {
        case "merge":
            _ = try store.appendTurn(session: "bench", actor: "u1", NewTurn(role: .user, content: "before the fork"))
            _ = try store.createBranch(session: "bench", actor: "u0", id: "branch")
            try appendTurns(store, session: "branch", count: size, &gen)
            return {
                guard case .merged(let summary) = try store.mergeBranch(branch: "branch", actor: "u0") else { return "conflict" }
                return "\(summary.turnCount) turns merged"
            }
        case "fork":
            try fillRows(store, count: size)
            try appendTurns(store, session: "bench", count: 1_000, &gen)
            return { _ = try store.createBranch(session: "bench", actor: "u0", id: "fork"); return "forked a session of \(size) rows" }
        case "merge-rows":
            _ = try store.createBranch(session: "bench", actor: "u0", id: "branch")
            try fillRows(store, count: size, session: "branch")
            return {
                guard case .merged(let summary) = try store.mergeBranch(branch: "branch", actor: "u0") else { return "conflict" }
                return "\(summary.rowCount) new rows merged"
            }
        case "delete":
            try appendTurns(store, session: "bench", count: size, &gen)
            if tailTurnBytes > 0 {
                let big = String(repeating: "tail text ", count: tailTurnBytes / 10)
                _ = try store.appendTurns(session: "bench", actor: "u1",
                                          (0..<4).map { _ in NewTurn(role: .user, content: big, tokensIn: 1, tokensOut: 2) })
            }
            return {
                _ = try store.deleteSession(id: "bench", actor: "u0")
                try store.finishDeletes() // the rows, removed by the writer's chore in steps
                return "deleted a session of \(size) turns, rows gone"
            }
        case "delete-parent":
            _ = try store.appendTurn(session: "bench", actor: "u1", NewTurn(role: .user, content: "before the forks"))
            for i in 0..<size { _ = try store.createBranch(session: "bench", actor: "u0", id: "branch-\(i)") }
            return {
                _ = try store.deleteSession(id: "bench", actor: "u0")
                return "deleted a parent of \(size) branches, each unparented with its event"
            }
        case "import":
            try appendTurns(store, session: "bench", count: size, &gen)
            let document = try store.exportSessionText(id: "bench", actor: "u0")
            return { _ = try store.importSession(json: document, asID: "copy"); return "imported a session of \(size) turns" }
        case "clear":
            try appendTurns(store, session: "bench", count: size, &gen)
            return { "cleared through \(try store.clearTurns(session: "bench", actor: "u0").clearedThrough)" }
        case "undo":
            try appendTurns(store, session: "bench", count: size, &gen)
            return { "undid turn \(try store.undoLastTurn(session: "bench", actor: "u1").turn.seq)" }
        case "template-save":
            try fillRows(store, count: size)
            return { _ = try store.saveTemplate(session: "bench", actor: "u0", name: "big"); return "saved a template of \(size) rows" }
        case "template-create":
            try fillRows(store, count: size)
            _ = try store.saveTemplate(session: "bench", actor: "u0", name: "big")
            return {
                _ = try store.createSession(fromTemplate: "big", actor: "u0", id: "from-template")
                return "created a session from a template of \(size) rows"
            }
        case "text-merge":
            let base = (0..<size).map { $0 % 2 == 0 ? "a\n" : "b\n" }.joined()
            let current = String(repeating: "a\n", count: (size + 1) / 2) + String(repeating: "b\n", count: size / 2)
            _ = try store.writeRow(session: "bench", actor: "u1", key: "doc", value: .string(base), baseVersion: 0)
            _ = try store.writeRow(session: "bench", actor: "u1", key: "doc", value: .string(current), baseVersion: 1)
            let proposed = "c\n" + base.dropFirst(2)
            // The merge alone, off the store: what of the job is the (bounded) diff.
            let m0 = seconds()
            let pure = (try? ThreeWayMerge.merge(base: .string(base), current: .string(current), proposed: .string(String(proposed)),
                                                 diffBudget: diffSteps > 0 ? diffSteps : .max)).map { "\($0)".prefix(8) } ?? "too costly"
            print(String(format: "the merge alone: %.1f ms (%@)", (seconds() - m0) * 1e3, String(pure)))
            return {
                do {
                    let result = try store.writeRow(session: "bench", actor: "u2", key: "doc", value: .string(String(proposed)), baseVersion: 1)
                    if case .conflict = result { return "conflict (\(base.utf8.count) bytes)" }
                    return "merged (\(base.utf8.count) bytes)"
                } catch let error as StoreError {
                    return "\(error.code) (\(base.utf8.count) bytes)"
                }
            }
        case "text-edit":
            // The everyday case: two writers each change one line of a long text, far apart.
            // Two-byte lines, as in text-merge, so 300,000 lines stay under the 1 MiB value limit.
            var lines = (0..<size).map { $0 % 2 == 0 ? "a\n" : "b\n" }
            let base = lines.joined()
            lines[size / 10] = "c\n"
            let current = lines.joined()
            lines[size / 10] = (size / 10) % 2 == 0 ? "a\n" : "b\n"
            lines[size - 1 - size / 10] = "d\n"
            let proposed = lines.joined()
            _ = try store.writeRow(session: "bench", actor: "u1", key: "doc", value: .string(base), baseVersion: 0)
            _ = try store.writeRow(session: "bench", actor: "u1", key: "doc", value: .string(current), baseVersion: 1)
            let m0 = seconds()
            let pure = (try? ThreeWayMerge.merge(base: .string(base), current: .string(current), proposed: .string(proposed),
                                                 diffBudget: diffSteps > 0 ? diffSteps : .max)).map { "\($0)".prefix(8) } ?? "too costly"
            print(String(format: "the merge alone: %.1f ms (%@)", (seconds() - m0) * 1e3, String(pure)))
            return {
                let result = try store.writeRow(session: "bench", actor: "u2", key: "doc", value: .string(proposed), baseVersion: 1)
                if case .conflict = result { return "conflict (\(base.utf8.count) bytes)" }
                return "merged (\(base.utf8.count) bytes)"
            }
        case "quota":
            for i in 0..<size { _ = try store.createSession(id: "owned-\(i)", title: "", owner: "u1") }
            return {
                _ = try store.createSession(id: "one-more", title: "", owner: "u1")
                return "session \(size + 1) of u1 created"
            }
        case "remove-user":
            _ = try store.createUser(id: "leaver", displayName: "Leaver")
            for i in 0..<size {
                _ = try store.createSession(id: "left-\(i)", title: "", owner: "u1")
                try store.setMember(session: "left-\(i)", actor: "u1", user: "leaver", role: .write)
            }
            return { try store.adminRemoveUser(id: "leaver"); return "removed a member of \(size) sessions" }
        case "remove-member":
            for i in 0..<size {
                _ = try store.createUser(id: "m\(i)", displayName: "M")
                try store.setMember(session: "bench", actor: "u0", user: "m\(i)", role: .write)
            }
            try appendTurns(store, session: "bench", count: 10_000, &gen)
            return { _ = try store.removeMember(session: "bench", actor: "u0", user: "u1"); return "removed u1 from \(size + 3) members" }
        case "update-metadata":
            let value = String(repeating: "x", count: max(0, size - 16))
            return {
                _ = try store.updateSession(id: "bench", actor: "u0", metadata: ["blob": .string(value)])
                return "metadata of \(size) bytes"
            }
        default:
            if let body = try textJob(store) { return body }
            throw ValidationError("unknown job \(job)")
        }
    }

    private func appendTurns(_ store: Store, session: String, count: Int, _ gen: inout TextGenerator) throws {
        var done = 0
        while done < count {
            let n = min(10_000, count - done)
            let turns = (0..<n).map { _ in NewTurn(role: .user, content: gen.sentence(), tokensIn: 1, tokensOut: 2) }
            _ = try store.appendTurns(session: session, actor: "u1", turns)
            done += n
        }
    }

    private func fillRows(_ store: Store, count: Int, session: String = "bench") throws {
        var next = 0
        while next < count {
            let group = DispatchGroup()
            for i in next..<min(count, next + 2_000) {
                group.enter()
                let text = rowBytes > 0 ? String(repeating: "x", count: rowBytes) : "some text"
                store.writeRow(session: session, actor: "u1", key: "row-\(i)", value: ["n": .integer(Int64(i)), "t": .string(text)],
                               baseVersion: 0) { _ in group.leave() }
            }
            group.wait()
            next += 2_000
        }
    }
}

/// Posts one turn at a time to `session` on its own thread, recording each post's interval.
final class Prober: @unchecked Sendable {
    // Safe: its state is a Mutex, an Atomic and a semaphore, all thread-safe; `store` is Sendable.
    private let store: Store
    private let session: String
    private let gap: Double
    private let posts = Mutex<[(start: Double, end: Double)]>([])
    private let running = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)

    init(store: Store, session: String, gap: Double) {
        self.store = store
        self.session = session
        self.gap = gap
    }

    func start() {
        running.store(true, ordering: .relaxed)
        let thread = Thread { [self] in
            while running.load(ordering: .relaxed) {
                let start = seconds()
                _ = try? store.appendTurn(session: session, actor: "u2", NewTurn(role: .user, content: "probe"))
                let end = seconds()
                posts.withLock { $0.append((start, end)) }
                Thread.sleep(forTimeInterval: gap)
            }
            done.signal()
        }
        thread.start()
    }

    /// Stops; the longest and median post among those that overlapped `window`.
    func stop(overlapping window: ClosedRange<Double>) -> (max: Double, median: Double, count: Int) {
        running.store(false, ordering: .relaxed)
        done.wait()
        let times = posts.withLock { list in
            list.filter { $0.end >= window.lowerBound && $0.start <= window.upperBound }.map { ($0.end - $0.start) * 1e3 }
        }
        return (times.max() ?? 0, median(times), times.count)
    }
}
