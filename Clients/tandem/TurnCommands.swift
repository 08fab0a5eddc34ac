import ArgumentParser
import TandemProtocol
import TandemClientKit

/// `tandem undo`.
struct Undo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Undo a session's last turn (yours; admins: anyone's) and print its number.",
        discussion: "The turn stays in the audit, marked undone. With --seq, only that turn is undone: if another turn came after it, nothing is undone (status 3), so a script never undoes a turn someone posted a moment ago.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id.") var session: String
    // Unconditional: a negative number is a bad value to explain, not a missing value.
    @Option(parsing: .unconditional, help: "Undo only if turn SEQ is still the last one.") var seq: Int64?

    func run() throws {
        try runReporting {
            if let seq, seq < 1 { throw Failure("--seq must be a turn number (1 or more), got \(seq)") }
            let c = try connect(connection)
            defer { c.close() }
            let result = try c.call(.turnUndo(UndoParams(session: session, seq: seq)), as: UndoResult.self)
            Output.line("#\(result.seq) undone")
        }
    }
}

/// `tandem clear`.
struct Clear: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Hide every turn so far from the session's history, for every member (admin).",
        discussion: "For good: the turns stay in the audit, but no checkpoint brings them back (one saved before the clear can no longer be restored), hence --yes.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id.") var session: String
    @Flag(help: "Confirm: members lose the turns from their history.") var yes = false

    func run() throws {
        try runReporting {
            try requireConfirmation(yes, "clearing \(session) hides every turn so far for every member, for good (no checkpoint brings them back)")
            let c = try connect(connection)
            defer { c.close() }
            let result = try c.call(.sessionClear(SessionRef(session: session)), as: ClearResult.self)
            // 0: no live turn was left, so nothing was cleared.
            Output.line(result.clearedThrough == 0 ? "\(session): nothing to clear" : "\(session) cleared through #\(result.clearedThrough)")
        }
    }
}

/// `tandem comment`.
struct CommentAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "comment",
        abstract: "Comment on a turn and print the comment's id (comment role or above).",
        discussion: "The text comes from the argument, or from stdin when it is `-` or absent and stdin is not a terminal.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id.") var session: String
    @Argument(help: "The turn's number.") var seq: Int64
    @Argument(help: "The comment (`-` or absent: read stdin).") var text: String?

    func run() throws {
        try runReporting {
            guard seq >= 1 else { throw Failure("SEQ must be a turn number (1 or more), got \(seq)") }
            let body = try argumentOrStdin(text, usage: "echo looks good | tandem comment \(session) \(seq)")
            let c = try connect(connection)
            defer { c.close() }
            let result = try c.call(.commentAdd(CommentAddParams(session: session, seq: seq, text: body)), as: CommentResult.self)
            Output.line("\(result.comment.id)")
        }
    }
}
