import ArgumentParser
import Foundation
import TandemProtocol
import TandemClientKit

/// `tandem` / `tandem open SESSION`: the interactive view.
struct Open: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open a session interactively (the default): live turns, a prompt, slash commands.",
        discussion: "Without SESSION, lists your sessions to pick one (by number or id) or create a new one. Type text and Enter to post; /help lists the commands; Ctrl-D or /exit leaves.\n\n" + SlashCommand.helpLines.joined(separator: "\n"))
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id (omit to pick or create one).") var session: String?
    // Unconditional: a negative number is a bad value to explain, not a missing value.
    @Option(parsing: .unconditional, help: "Recent turns to show on entry (0-1000).") var last: Int64 = 20

    func validate() throws {
        guard (0...1000).contains(last) else { throw ValidationError("--last must be 0...1000, got \(last)") }
    }

    func run() throws {
        try runReporting {
            let settings = try connection.settings()
            let chosen: String
            if let session {
                // `tandem WORD` opens session WORD: when there is none, WORD may have been meant as a command.
                if CommandTypo.commandWord(in: Array(CommandLine.arguments.dropFirst())) == session, !settings.isShareLink {
                    try requireSession(session, settings)
                }
                chosen = session
            } else if settings.isShareLink {
                chosen = try linkedSession(settings)
            } else {
                chosen = try pickSession(settings)
            }
            let app = InteractiveSession(settings: settings, session: chosen, last: last)
            try app.run()
        }
    }

    /// Fails with status 2 when `session` is not one of the user's, saying it is no command either.
    func requireSession(_ session: String, _ settings: ConnectionSettings) throws {
        let c = try Connection(settings: settings, onEvent: { _, _ in })
        defer { c.close() }
        let answer = Result { try c.call(.sessionGet(SessionRef(session: session)), as: SessionResult.self) }
        if case .failure(let error) = answer, case .server(let refusal)? = error as? ClientError, refusal.code == .notFound {
            throw Failure("no session \(session), and no command of that name (tandem --help lists them)", exitCode: 2)
        }
        _ = try answer.get()
    }

    func linkedSession(_ settings: ConnectionSettings) throws -> String {
        let c = try Connection(settings: settings, onEvent: { _, _ in })
        defer { c.close() }
        return try linkedSessionID(c)
    }

    /// Lists sessions and reads a choice (a number or a listed id) or a title for a new session.
    func pickSession(_ settings: ConnectionSettings) throws -> String {
        let c = try Connection(settings: settings, onEvent: { _, _ in })
        defer { c.close() }
        let first = try c.call(.sessionList(SessionListParams()), as: SessionListResult.self)
        let list = first.sessions
        if list.isEmpty {
            Output.line("You have no sessions yet.")
        } else {
            Output.line("Your sessions:")
            for (i, s) in list.enumerated() {
                Output.line(SessionPick.listLine(number: i + 1, id: PrintableText.line(s.id), title: PrintableText.line(s.title),
                                                 role: s.role?.rawValue ?? "-", turns: s.headSeq))
            }
            if first.nextCursor != nil { Output.line("  ... and older ones (tandem sessions lists them all): type one's id to open it.") }
        }
        while true {
            Output.write(list.isEmpty ? "Title for a new session: " : "Pick a number or an id, or type a title to create a new session: ", to: 1)
            guard let line = readLine(strippingNewline: true) else {
                // Ctrl-D at the question: end its line, so the reason does not run on after it.
                if Output.stdinIsTTY { Output.write("\n", to: 1) }
                throw Failure("no session chosen")
            }
            let title: String
            switch SessionPick.choose(line, listed: list.map(\.id)) {
            case .nothing: continue
            case .open(let id): return id
            case .noSuchNumber(let n):
                Output.line("There is no session \(n) (pick 1 to \(list.count)); to create one with that title, type it with more words.")
                continue
            case .create(let text):
                // Only the first page is listed: an older session of yours opens by its id too.
                if first.nextCursor != nil, SessionPick.couldBeID(text),
                   (try? c.call(.sessionGet(SessionRef(session: text)), as: SessionResult.self)) != nil {
                    return text
                }
                title = text
            }
            let created = try c.call(.sessionCreate(SessionCreateParams(title: title)), as: SessionResult.self)
            Output.line("created session \(created.session.id)")
            return created.session.id
        }
    }
}
