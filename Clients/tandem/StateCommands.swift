import ArgumentParser
import TandemJSON
import TandemProtocol
import TandemClientKit

/// `tandem state`.
struct StateShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Print a session's shared state rows (one row with KEY).",
        discussion: "A KEY with no row is not found (status 2).")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id.") var session: String
    @Argument(help: "Only this row.") var key: String?
    @Flag(help: "One JSON row per line (key, version, value, author, updated).") var json = false

    func run() throws {
        try runReporting { if key?.isEmpty == true { throw Failure("KEY must not be empty (leave it out for every row)") } }
        try runConnected(connection) { c in
            let rows = try stateRows(session: session, key: key) { try c.call(.stateGet($0), as: StateGetResult.self) }
            if let key, rows.isEmpty { throw Failure("\(session) has no state row \(PrintableText.line(key))", exitCode: 2) }
            if rows.isEmpty && !json { Output.error("no state rows yet; write one with: tandem set \(session) KEY JSON") }
            let renderer = Output.renderer()
            for row in rows { if json { Output.json(row.json) } else { Output.rendered(renderer.stateRow(row)) } }
        }
    }
}

/// `tandem set`.
struct StateSet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Write a shared state row: applied, merged with others' changes, or refused as a conflict.",
        discussion: """
            The write names the version it started from (--base; without it, the current version, read first). \
            If others wrote since, the server merges both changes (objects key by key, strings line by line); \
            when they clash on the same field nothing is written, each clashing field is shown as \
            base / theirs / yours on stderr (a text as the lines that clashed, between git-style markers, \
            with two lines of theirs around them), with the value that keeps yours there and every other change \
            of both sides, and the status is 3: decide, then write again with --base set to the version the \
            conflict names. Prints `applied KEY vN` or `merged KEY vN`; --json prints the server's answer \
            (a conflict's too: `merged` holds their side at each conflicting path).
            """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id.") var session: String
    @Argument(help: "The row's key.") var key: String
    @Argument(help: #"The value, JSON: '"text"', 42, '{"k":[1,2]}', null (`-` or absent: read stdin)."#) var value: String?
    // Unconditional: a negative number is a bad value to explain, not a missing value.
    @Option(parsing: .unconditional, help: "The version the value was based on (0: the row did not exist).") var base: Int64?
    @Flag(help: "The server's answer as one JSON object.") var json = false

    func run() throws {
        try runReporting {
            if let base, base < 0 { throw Failure("--base must be a version (0 or more), got \(base)") }
            if key.isEmpty { throw Failure("KEY must not be empty: tandem set \(PrintableText.line(session)) KEY JSON") }
            let parsed = try jsonArgument(value, name: "the value", usage: "echo '{\"k\":1}' | tandem set \(session) \(key)")
            let c = try connect(connection)
            defer { c.close() }
            let version = try base ?? currentVersion(c)
            let result = try c.call(.statePut(StatePutParams(session: session, key: key, value: parsed, base: version)),
                                    as: StatePutResult.self)
            if json { Output.json(result.json) }
            switch result {
            case .applied(let row, _), .merged(let row, _):
                if !json { Output.line("\(result.outcome.rawValue) \(PrintableText.line(row.key)) v\(row.version)") }
            case .conflict(let current, let conflicts, let merged):
                let now = current.map { "v\($0.version) by \($0.author)" } ?? "deleted"
                Output.error("tandem: conflict: \(PrintableText.line(key)) changed since v\(version) (now \(now)); nothing written")
                reportConflicts(key: key, current: current, conflicts: conflicts)
                let base = current?.version ?? 0
                // Yours whole on the current version would also undo their changes that merged with yours.
                if current != nil {
                    let ours = PendingConflict(key: key, yours: parsed, current: current, conflicts: conflicts, merged: merged).oursValue
                    Output.error("tandem: yours at the conflicting paths, merged with the rest of theirs: "
                                 + PrintableText.line(ours.serialized()))
                    throw Failure("to write that, pass it as the value with --base \(base)", exitCode: 3)
                }
                throw Failure("to write yours over it, run the same command with --base \(base)", exitCode: 3)
            }
        }
    }

    /// The row's version now (0: no row), as the view's `/set` reads it for a key it has not seen.
    private func currentVersion(_ c: Connection) throws(ClientError) -> Int64 {
        try c.call(.stateGet(StateGetParams(session: session, key: key)), as: StateGetResult.self).rows.first?.version ?? 0
    }
}

/// A session's rows (one with `key`), every page of them: a big session's answer comes in pages
/// (`max-page-bytes`), each asked for after the last key of the one before.
func stateRows<E: Error>(session: String, key: String?, _ fetch: (StateGetParams) throws(E) -> StateGetResult) throws(E) -> [StateRow] {
    var page = try fetch(StateGetParams(session: session, key: key))
    var rows = page.rows
    while key == nil, page.more, let last = page.rows.last?.key {
        page = try fetch(StateGetParams(session: session, after: last))
        rows += page.rows
    }
    return rows
}
