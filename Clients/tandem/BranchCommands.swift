import ArgumentParser
import TandemJSON
import TandemProtocol
import TandemClientKit

/// `tandem checkpoint`.
struct CheckpointSave: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Save the session's turns and rows as they are now under NAME (write role).",
        discussion: "Prints `NAME at #SEQ`. `tandem restore` rewinds to it.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id.") var session: String
    @Argument(help: "The checkpoint's name (unique in the session).") var name: String

    func run() throws {
        try runConnected(connection) { c in
            let saved = try c.call(.checkpointSave(CheckpointParams(session: session, name: name)), as: CheckpointResult.self).checkpoint
            Output.line("\(PrintableText.line(saved.name)) at #\(saved.seq)")
        }
    }
}

/// `tandem restore`.
struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rewind a session's turns and rows to a checkpoint, for every member (admin).",
        discussion: "Later turns leave history for good (they stay in the audit; a checkpoint that holds them can no longer be restored) and rows go back to their saved versions, hence --yes.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id.") var session: String
    @Argument(help: "The checkpoint's name (`tandem checkpoints` lists them).") var name: String
    @Flag(help: "Confirm: every member's view goes back to the checkpoint.") var yes = false

    func run() throws {
        try runReporting {
            try requireConfirmation(yes, "restoring \(name) rewinds \(session)'s turns and rows for every member; the later turns leave history for good")
            let c = try connect(connection)
            defer { c.close() }
            let restored = try c.call(.checkpointRestore(CheckpointParams(session: session, name: name)), as: CheckpointResult.self).checkpoint
            Output.line("\(session) restored to \(PrintableText.line(restored.name)) (#\(restored.seq))")
        }
    }
}

/// `tandem branch`.
struct BranchCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "branch",
        abstract: "Fork a session into a new branch session and print the branch's id (write role).",
        discussion: "The branch holds the turns up to --at (the head by default) and the rows as they stood then, with the same members and roles. With --id you choose its id (a retry after a lost answer then gets already_exists instead of a second branch); else the server picks one. Merge it back with `tandem merge BRANCH`.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session to fork.") var session: String
    @Option(help: "The branch's title (\"<title> (branch)\" when absent).") var title: String?
    // Unconditional: a negative number is a bad value to explain, not a missing value.
    @Option(parsing: .unconditional, help: "The last turn the branch keeps (the head when absent).") var at: Int64?
    @Option(help: "Choose the branch's id (1-64 of A-Z a-z 0-9 _ -); generated when absent.") var id: String?

    func run() throws {
        try runReporting {
            if let at, at < 0 { throw Failure("--at must be a turn number (0 or more), got \(at)") }
            if let id, let problem = NewSessionID.problem(id, option: "--id") { throw Failure(problem) }
            if let title, let problem = TitleText.problem(title) { throw Failure("--title: " + problem + "; leave it out for \"<title> (branch)\"") }
            let c = try connect(connection)
            defer { c.close() }
            let branch = try c.call(.branchCreate(BranchCreateParams(session: session, at: at, title: title, branch: id)), as: SessionResult.self).session
            Output.line(branch.id)
        }
    }
}

/// `tandem merge`.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge a branch into its parent: its new turns are appended, its rows merged (admin of the parent).",
        discussion: "All or nothing: when a row clashes with the parent's, nothing is written, the clashing fields are shown on stderr as base / theirs (the parent's) / yours (the branch's), and the status is 3. On success the branch is archived. --json prints the server's answer (a refusal's too).")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The branch's id.") var branch: String
    @Option(name: .customLong("resolve"), help: ArgumentHelp(
        "Settle a clashing row: the value it ends up with in the parent, written as yours (repeatable).", valueName: "KEY=JSON"))
    var resolutions: [String] = []
    @Flag(help: "The server's answer as one JSON object.") var json = false

    func run() throws {
        try runReporting {
            var settled: [String: JSONValue] = [:]
            for given in resolutions {
                guard let equals = given.firstIndex(of: "="), equals != given.startIndex else {
                    throw Failure(#"--resolve takes KEY=JSON, like 'plan={"owner":"erin"}'"#)
                }
                settled[String(given[..<equals])] = try jsonArgument(String(given[given.index(after: equals)...]),
                                                                     name: "--resolve \(given[..<equals])", usage: "--resolve KEY=JSON")
            }
            try merge(settled)
        }
    }

    private func merge(_ settled: [String: JSONValue]) throws {
        try runConnected(connection) { c in
            let result = try c.call(.branchMerge(BranchMergeParams(session: branch, resolutions: settled)), as: BranchMergeResult.self)
            if json { Output.json(result.json) }
            guard result.merged else {
                let keys = result.conflicts.map { PrintableText.line($0.key) }.joined(separator: ", ")
                Output.error("tandem: conflict: \(branch)'s rows clash with its parent's (\(keys)\(result.conflictsMore ? ", and more" : ""));"
                             + " nothing was merged")
                for row in result.conflicts { reportConflicts(key: row.key, current: nil, conflicts: row.conflicts) }
                throw Failure("settle the rows: merge again with --resolve KEY=JSON for each (the value it ends up with), or take one side's value in either session (tandem set) and merge again"
                              + (result.conflictsMore ? " (more rows clash than are shown: the next merge lists them)" : ""), exitCode: 3)
            }
            if !json {
                let turns = result.firstSeq.map { first in "turns #\(first)-#\(result.lastSeq ?? first)" } ?? "no new turns"
                Output.line("\(branch) merged: \(turns), \(mergedRows(result))")
            }
        }
    }
}

/// `tandem discard`.
struct Discard: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Delete a branch and everything in it, for good (admin of the branch).",
        discussion: "Only an open branch: a session that is no branch, or a merged one, is refused (status 3) and one that does not exist (or was discarded) is not found (status 2); the message says which.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The branch's id.") var branch: String
    @Flag(help: "Confirm: there is no way back.") var yes = false

    func run() throws {
        try runReporting {
            try requireConfirmation(yes, "discarding \(branch) deletes it and everything in it for every member, for good")
            let c = try connect(connection)
            defer { c.close() }
            do throws(ClientError) {
                _ = try c.call(.branchDiscard(SessionRef(session: branch)), as: EmptyResult.self)
            } catch {
                let refusal = discardRefusal(error, branch: branch) { (ref) throws(ClientError) in
                    try c.call(.sessionGet(ref), as: SessionResult.self).session
                }
                guard let refusal else { throw error }
                throw Failure(refusal.message, exitCode: refusal.status)
            }
            Output.line("\(branch) discarded")
        }
    }
}

/// The rows a merge wrote, as `tandem merge` and the view's `/merge` say them: the keys the
/// answer names (the first 1,000), then how many more it only counted.
func mergedRows(_ result: BranchMergeResult) -> String {
    guard !result.rows.isEmpty else { return result.rowsTotal > 0 ? "\(result.rowsTotal) rows" : "no rows" }
    let named = "rows " + result.rows.map(PrintableText.line).joined(separator: ", ")
    let unnamed = result.rowsTotal - Int64(result.rows.count)
    return unnamed > 0 ? named + " and \(unnamed) more (\(result.rowsTotal) in all)" : named
}

/// A refused `branch.discard` (`conflict` "not an open branch", or `not_found`) as the user's reason
/// and exit status: which of merged, no branch or gone it is, from `session.get` (`get`). Nil for
/// any other failure, which is reported as it is.
func discardRefusal(_ error: ClientError, branch: String,
                    get: (SessionRef) throws(ClientError) -> SessionInfo) -> (message: String, status: Int32)? {
    guard case .server(let refusal) = error, refusal.code == .conflict || refusal.code == .notFound else { return nil }
    // Prefixed with the error code, as every other refusal is said.
    let renderer = Output.renderer()
    let gone = ("not_found: " + renderer.discardRefusal(branch: branch, session: nil), Int32(2))
    if refusal.code == .notFound { return gone }
    do throws(ClientError) {
        return ("conflict: " + renderer.discardRefusal(branch: branch, session: try get(SessionRef(session: branch))), 3)
    } catch {
        guard case .server(let e) = error, e.code == .notFound else { return nil }
        return gone
    }
}
