import ArgumentParser
import TandemProtocol
import TandemClientKit

/// `tandem comments`.
struct Comments: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List a session's comments, oldest first.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id.") var session: String
    // Unconditional: a negative number is a bad value to explain, not a missing value.
    @Option(parsing: .unconditional, help: "Only the comments on this turn.") var seq: Int64?
    @Flag(help: "One JSON comment per line.") var json = false

    func run() throws {
        try runReporting {
            if let seq, seq < 1 { throw Failure("--seq must be a turn number (1 or more), got \(seq)") }
            let c = try connect(connection)
            defer { c.close() }
            let list = try c.allComments(session: session, seq: seq)
            if json {
                for comment in list { Output.json(comment.json) }
            } else if list.isEmpty {
                Output.error(seq.map { "no comments on #\($0)" } ?? "no comments yet")
            } else {
                for line in Output.renderer().comments(list) { Output.rendered(line) }
            }
        }
    }
}

/// `tandem checkpoint-rows`.
struct CheckpointRows: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint-rows",
        abstract: "List the rows a checkpoint holds, each with the version it had when saved, in key order.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id.") var session: String
    @Argument(help: "The checkpoint's name (`tandem checkpoints` lists them).") var name: String
    @Flag(help: "One JSON {key, version} per line.") var json = false

    func run() throws {
        try runConnected(connection) { c in
            let rows = try c.allCheckpointRows(session: session, name: name)
            if json {
                for row in rows { Output.json(row.json) }
            } else if rows.isEmpty {
                Output.error("checkpoint \(PrintableText.line(name)) holds no rows")
            } else {
                for line in Output.renderer().checkpointRows(rows) { Output.rendered(line) }
            }
        }
    }
}

/// `tandem checkpoints`.
struct Checkpoints: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List a session's checkpoints, oldest first.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id.") var session: String
    @Flag(help: "One JSON checkpoint per line.") var json = false

    func run() throws {
        try runConnected(connection) { c in
            let list = try c.allCheckpoints(session: session)
            if json {
                for checkpoint in list { Output.json(checkpoint.json) }
            } else if list.isEmpty {
                Output.error("no checkpoints yet; save one with: tandem checkpoint \(session) NAME")
            } else {
                for line in Output.renderer().checkpoints(list) { Output.rendered(line) }
            }
        }
    }
}
