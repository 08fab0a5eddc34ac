import ArgumentParser
import Foundation
import Synchronization
import TandemJSON
import TandemProtocol
import TandemClientKit

/// `tandem sessions`.
struct Sessions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the sessions you are a member of, most recently updated first.",
        discussion: "Every page is fetched; the filters combine (all must hold).")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Only sessions with this status: active, paused or archived.") var status: String?
    @Option(help: "Only the branches of this session.") var parent: String?
    @Option(help: "Only sessions USER is a member of too.") var member: String?
    @Option(help: "Only sessions whose metadata has every top-level pair of this JSON object, like '{\"team\":\"core\"}'.")
    var metadata: String?
    @Flag(help: "One JSON object per line instead of a table.") var json = false

    func run() throws {
        try runReporting {
            let wanted = try status.map(statusOption)
            let pairs = try metadata.map(metadataObject)
            let c = try connect(connection)
            defer { c.close() }
            var sessions: [SessionInfo] = []
            var cursor: String?
            repeat {
                let params = SessionListParams(status: wanted, member: member, parent: parent, metadata: pairs,
                                               page: Page(cursor: cursor, limit: 1000))
                let page = try c.call(.sessionList(params), as: SessionListResult.self)
                // --json prints each page as it comes (memory of one page, output from the first);
                // a table needs every row for its column widths.
                if json {
                    for s in page.sessions { Output.json(s.json) }
                } else {
                    sessions += page.sessions
                }
                cursor = page.nextCursor
            } while cursor != nil
            if json {
                return
            } else if sessions.isEmpty {
                let filtered = status != nil || parent != nil || member != nil || metadata != nil
                // On stderr: a script reading stdout sees an empty list as nothing, as with the other listings.
                Output.error(filtered ? "no sessions match" : "no sessions yet; create one with: tandem create TITLE")
            } else {
                for line in Output.renderer().sessions(sessions) { Output.rendered(line) }
            }
        }
    }
}

/// `tandem create`.
struct Create: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a session (you become its owner) and print its id.",
        discussion: "With --template, the session starts from one of your templates (its settings, members and rows); TITLE is then optional.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session's title.") var title: String?
    @Option(help: "Choose the id (1-64 of A-Z a-z 0-9 _ -); generated when absent.") var id: String?
    @Option(help: "Start from your template NAME (`tandem templates` lists them).") var template: String?

    func run() throws {
        try runReporting {
            if let id, let problem = NewSessionID.problem(id, option: "--id") { throw Failure(problem) }
            if let title, let problem = TitleText.problem(title) {
                throw Failure(problem + (template == nil ? ": tandem create \"Sprint retro\"" : "; leave TITLE out to keep the template's"))
            }
            let operation: TandemProtocol.Operation
            if let template {
                operation = .templateCreateSession(TemplateCreateParams(template: template, title: title, session: id))
            } else {
                guard let title else { throw Failure("no title: tandem create TITLE (or --template NAME)") }
                operation = .sessionCreate(SessionCreateParams(session: id, title: title))
            }
            let c = try connect(connection)
            defer { c.close() }
            let result = try c.call(operation, as: SessionResult.self)
            Output.line(result.session.id)
        }
    }
}

/// `tandem post`.
struct Post: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Post one turn to a session.",
        discussion: """
            The text comes from the argument, or from stdin when it is `-` or absent and stdin is not a terminal. \
            A nonce makes retries after a lost connection safe: a turn is never posted twice. A program that may \
            itself be run again for the same turn (an agent step retried after a crash) passes its own --nonce: \
            the rerun then prints the first post's number with `(already posted)`. Prints `#SEQ`; --json prints \
            the server's answer (the turn, and `duplicate`).

            Example: tandem post review --role assistant --tokens-in 812 --tokens-out 164 --metadata '{"model":"m1"}' --nonce step-7 - < answer.txt
            """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id.") var session: String
    @Argument(help: "The turn's text (`-` or absent: read stdin).") var text: String?
    @Option(help: "Turn role: user, assistant, tool or system.") var role: String = "user"
    // Unconditional: a negative number is a bad value to explain, not a missing value.
    @Option(parsing: .unconditional, help: "Attempts (1-100) when the server cannot be reached or the connection drops (the same nonce each time, so a turn is never posted twice).") var attempts: Int = 3
    @Option(help: #"The turn's metadata, a JSON object: '{"model":"m1"}'."#) var metadata: String?
    @Option(parsing: .unconditional, help: "Input (prompt) tokens the turn used, 0 or more.") var tokensIn: Int64 = 0
    @Option(parsing: .unconditional, help: "Output (completion) tokens the turn used, 0 or more.") var tokensOut: Int64 = 0
    @Option(help: "Idempotency key, 1-64 of A-Z a-z 0-9 . _ : - (unique per session and author; random when absent).") var nonce: String?
    @Flag(help: "The server's answer as one JSON object.") var json = false

    func validate() throws {
        guard tokensIn >= 0, tokensOut >= 0 else { throw ValidationError("--tokens-in and --tokens-out must be 0 or more") }
        guard (1...100).contains(attempts) else { throw ValidationError("--attempts must be 1...100, got \(attempts)") }
        if let nonce, !Nonce.isValid(nonce) {
            throw ValidationError("--nonce must be 1-64 characters of A-Z a-z 0-9 . _ : -, got '\(nonce)'")
        }
    }

    func run() throws {
        try runReporting {
            guard let turnRole = TurnRole(rawValue: role) else {
                throw Failure("--role must be user, assistant, tool or system, got '\(role)'")
            }
            let content = try readContent()
            // An empty shell variable would otherwise post an empty turn for everyone to see.
            guard !content.isEmpty else { throw Failure("nothing to post: the text is empty") }
            let params = PostTurnParams(session: session, role: turnRole, content: content,
                                        metadata: try metadata.map(metadataObject) ?? [:],
                                        tokens: TokenCounts(input: tokensIn, output: tokensOut), nonce: nonce ?? Nonce.make())
            let settings = try connection.settings()
            var lastError: ClientError?
            for attempt in 1...max(1, attempts) {
                do {
                    let c = try Connection(settings: settings, onEvent: { _, _ in })
                    defer { c.close() }
                    let result = try c.call(.turnPost(params), as: PostTurnResult.self)
                    if json { Output.json(result.json) } else { Output.line("#\(result.turn.seq)" + (result.duplicate ? " (already posted)" : "")) }
                    return
                } catch let error as ClientError {
                    // Answers and refusals are final; so is a close that says not to come back
                    // (a message too big, a revoked token): only an unreachable server or a dropped
                    // connection is tried again.
                    switch error {
                    case .server, .refused, .badAnswer: throw error
                    case .closed(let code?, _) where CloseCode(rawValue: code)?.advice == .stop: throw error
                    default: break
                    }
                    lastError = error
                    Thread.sleep(forTimeInterval: Double(attempt))
                }
            }
            throw lastError ?? ClientError.timedOut("turn.post")
        }
    }

    func readContent() throws -> String {
        try argumentOrStdin(text, usage: "echo hi | tandem post \(session)")
    }
}

/// Random idempotency keys for `turn.post` (base-16, within the nonce alphabet).
enum Nonce {
    /// What the server takes as a nonce: 1-64 of `A-Z a-z 0-9 . _ : -`.
    static func isValid(_ nonce: String) -> Bool {
        (1...64).contains(nonce.utf8.count) && nonce.unicodeScalars.allSatisfy { c in
            c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || ".-_:".unicodeScalars.contains(c))
        }
    }

    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in String(generator.next() as UInt64, radix: 16) }.joined(separator: "-")
    }
}

/// `tandem history`.
struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a session's recent turns, or all of them.",
        discussion: """
            Examples:
              tandem history s1 --last 50
              tandem history s1 --all --json > s1.jsonl      # every turn, oldest first
              tandem history s1 --since 1200                 # the turns after #1200
            --all and --since read the turns a page at a time and print each page as it arrives (memory \
            stays that of one page, whatever the session's length); they stop at the last turn there was \
            when the command started.
            """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id (optional with a share link as --url: it names its own).") var session: String?
    @Option(parsing: .unconditional, help: "How many recent turns (1-1000; 20 when neither --all nor --since is given).") var last: Int64?
    @Flag(help: "Every turn, oldest first (in pages).") var all = false
    @Option(parsing: .unconditional, help: "Every turn after this seq, oldest first (in pages).") var since: Int64?

    func validate() throws {
        if let last, !(1...1000).contains(last) { throw ValidationError("--last must be 1...1000, got \(last)") }
        if let since, since < 0 { throw ValidationError("--since must be a turn seq (0 or more), got \(since)") }
        if [last != nil, all, since != nil].filter({ $0 }).count > 1 {
            throw ValidationError("use one of --last, --all and --since")
        }
    }
    @Flag(help: "One JSON turn per line.") var json = false

    /// Turns asked for per page (the server may cut a page shorter by its bytes-per-page limit).
    static let pageSize: Int64 = 1000

    func run() throws {
        try runReporting {
            let settings = try connection.settings()
            try requireSessionOrLink(self.session, settings)
            let c = try Connection(settings: settings, onEvent: { _, _ in })
            defer { c.close() }
            let session = try sessionOrLinked(self.session, settings, c)
            let renderer = Output.renderer()
            let show = { (turns: [TurnDTO]) -> Void in
                for turn in turns { if json { Output.json(turn.json) } else { Output.rendered(renderer.turn(turn)) } }
            }
            guard all || since != nil else {
                let result = try c.call(.history(HistoryParams(session: session, selector: .last(last ?? 20))), as: HistoryResult.self)
                if result.turns.isEmpty && !json { Output.error("no turns yet") }
                return show(result.turns)
            }
            // The first page fixes the end (the head then): a busy session cannot keep this going forever.
            var after = since ?? 0
            var head: Int64?
            while true {
                let selector: HistorySelector = head.map { .range(from: after + 1, to: $0) } ?? .since(after)
                let page = try c.call(.history(HistoryParams(session: session, selector: selector, limit: Self.pageSize)),
                                      as: HistoryResult.self)
                if head == nil {
                    head = page.headSeq
                    if page.turns.isEmpty && !json { Output.error(since.map { "no turns after #\($0)" } ?? "no turns yet") }
                }
                show(page.turns)
                guard page.more, let seq = page.turns.last?.seq, seq > after, seq < (head ?? 0) else { return }
                after = seq
            }
        }
    }
}

/// `tandem export`.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a session as one JSON document: turns, state, members, comments ... (admin).")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id.") var session: String

    func run() throws {
        try runConnected(connection) { c in
            let result = try c.call(.sessionExport(SessionRef(session: session)), as: ExportResult.self)
            Output.json(result.document)
        }
    }
}

/// `tandem tail`.
struct Tail: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Join a session and follow it: recent turns, then everything live.",
        discussion: "Reconnects with backoff after a network loss and resumes where it left off, so missed turns are printed once. Stop with Ctrl-C. Ends by itself when the session is deleted (status 2) or you are removed from it (3; 0 when you removed yourself).")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id (optional with a share link as --url: it names its own).") var session: String?
    @Option(parsing: .unconditional, help: "Recent turns to print first (0-1000).") var last: Int64 = 10

    func validate() throws {
        guard (0...1000).contains(last) else { throw ValidationError("--last must be 0...1000, got \(last)") }
    }
    @Flag(help: "One JSON object per line per event (turns first shown as turn events).") var json = false

    func run() throws {
        try runReporting {
            let settings = try connection.settings()
            let renderer = Output.renderer()
            let json = self.json
            try requireSessionOrLink(self.session, settings)
            let session: String
            if let given = self.session {
                session = given
            } else {
                let c = try Connection(settings: settings, onEvent: { _, _ in })
                defer { c.close() }
                session = try sessionOrLinked(nil, settings, c)
            }
            // Who is online, for the text form: presence that changes nothing (this tail's own
            // arrival) is not printed, as in the view; --json passes every event on.
            let roster = Mutex(OnlineRoster())
            let live = LiveSession(settings: settings, session: session, lastTurns: last, hooks: .init(
                event: { event, raw in
                    if json { return Output.json(text: raw) }
                    if case .presence(let p) = event.payload {
                        let news = roster.withLock { r in
                            defer { r.apply(p) }
                            return r.isNews(p)
                        }
                        guard news else { return }
                    }
                    if let line = renderer.event(event) { Output.rendered(line) }
                },
                joined: { result, kind in
                    roster.withLock { $0.reset(to: result.online) }
                    switch kind {
                    case .resumed:
                        // Said as the view says it, on stderr: the events themselves follow on stdout.
                        Output.error("tandem: reconnected; \(result.backlog) missed event(s) follow")
                        return
                    case .caughtUp:
                        Output.error("tandem: reconnected; \(result.turns?.count ?? 0) missed turn(s) from history follow")
                    case .fresh:
                        break
                    }
                    for turn in result.turns ?? [] {
                        if json {
                            Output.json(Event(session: session, eseq: nil, payload: .turn(turn)).json)
                        } else {
                            Output.rendered(renderer.turn(turn))
                        }
                    }
                    if kind == .caughtUp { return }
                    if !json { Output.renderedError(renderer.presence(result.online)) }
                },
                status: { Output.error("tandem: \($0)") },
                gone: { reason in
                    // Nothing more will arrive: following on would wait forever.
                    Output.error("tandem: \(reason.explanation(session: session))")
                    Foundation.exit(reason.exitStatus)
                }))
            try live.run()
        }
    }
}
