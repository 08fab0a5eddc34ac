import ArgumentParser
import TandemProtocol
import TandemClientKit

/// `tandem comments`.
struct Comments: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List a session's comments, oldest first.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id.") var session: String
    @Option(help: "Only the comments on this turn.") var seq: Int64?
    @Flag(help: "One JSON comment per line.") var json = false

    func run() throws {
        try runReporting {
            if let seq, seq < 1 { throw Failure("--seq must be a turn number (1 or more), got \(seq)") }
            let c = try connect(connection)
            defer { c.close() }
            let list = try c.allComments(session: session, seq: seq)
            if json {
                for comment in list { Output.line(comment.json.serialized()) }
            } else {
                for line in Output.renderer().comments(list) { Output.line(line) }
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
                for checkpoint in list { Output.line(checkpoint.json.serialized()) }
            } else if !list.isEmpty {
                for line in Output.renderer().checkpoints(list) { Output.line(line) }
            }
        }
    }
}
