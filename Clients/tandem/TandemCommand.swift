import ArgumentParser
import Foundation
import TandemClientKit
import TandemProtocol

/// `tandem`: the terminal client for a tandemd server.
@main
struct TandemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract: "Terminal client for tandemd: join sessions, post turns, follow them live.",
        discussion: """
            Connection settings come from --url/--token, else TANDEM_URL/TANDEM_TOKEN, else the config file \
            written by `tandem login` ($XDG_CONFIG_HOME/tandem/config or ~/.config/tandem/config). \
            The default URL is \(ConnectionSettings.defaultURL). A share link (http://HOST:PORT/s/SECRET) \
            as --url opens that session read-only. A wss:// server's certificate is checked against the \
            system's CAs; to trust a self-signed one (or a private CA), set SSL_CERT_FILE to its PEM file.

            Without a subcommand, `tandem` opens the interactive view (pick or create a session).

            Exit status: 0 done; 1 bad usage or another error; 2 not found (session, checkpoint ...); \
            3 refused by the server (role, paused or archived session, conflict, limit); 4 no connection \
            (server down, credential refused, connection lost); 141 its output was closed (a pipe's reader left). \
            The interactive view and `tail` end by themselves when the session is deleted by someone else \
            (2) or you are removed from it (3); your own /delete, /discard or removing yourself ends them with 0.
            """,
        version: Release.version,
        // Grouped as a user looks for them: sessions, turns, comments, state, checkpoints and branches,
        // members, documents, templates, share links.
        subcommands: [Open.self, Login.self, WhoAmI.self, Sessions.self, Search.self, Create.self, Info.self, Update.self,
                      Pause.self, Resume.self, Archive.self, Delete.self, Post.self, Tail.self, History.self,
                      Undo.self, Clear.self, CommentAdd.self, Comments.self, StateShow.self, StateSet.self,
                      CheckpointSave.self, Checkpoints.self, CheckpointRows.self, Restore.self, BranchCreate.self, Merge.self, Discard.self,
                      Members.self, RoleSet.self, Remove.self, Stats.self, Export.self, Import.self, Templates.self,
                      Template.self, Shares.self, Share.self, Revoke.self],
        defaultSubcommand: Open.self)

    /// Accepts connection flags before the subcommand name as well as after it.
    static func main() {
        resetSignals()
        let names = Set(configuration.subcommands.map { $0._commandName })
        let nested = Dictionary(uniqueKeysWithValues: configuration.subcommands.map { command in
            (command._commandName, Set(command.configuration.subcommands.map { $0._commandName }))
        })
        let given = Array(CommandLine.arguments.dropFirst())
        if let word = CommandTypo.commandWord(in: given), let meant = CommandTypo.suggestion(for: word, among: names) {
            Output.error("tandem: unknown command '\(word)' (did you mean '\(meant)'?); to open a session of that name: tandem open \(word)")
            Foundation.exit(1)
        }
        do {
            let arguments = ArgumentOrder.normalize(Array(CommandLine.arguments.dropFirst()), subcommands: names, nested: nested)
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            // ArgumentParser reports bad usage as EX_USAGE (64); the documented status is 1.
            if exitCode(for: error) == .validationFailure {
                // Several lines (the error, then the usage): each escaped, as every line is.
                for line in fullMessage(for: error).split(separator: "\n", omittingEmptySubsequences: false) { Output.error(String(line)) }
                Foundation.exit(1)
            }
            exit(withError: error)
        }
    }
}

/// A parent may start us with signals blocked or ignored (both are inherited across exec); a client must
/// stop on Ctrl-C / SIGTERM / SIGHUP, and survive a peer closing a socket (SIGPIPE).
func resetSignals() {
    var none = sigset_t()
    sigemptyset(&none)
    sigprocmask(SIG_SETMASK, &none, nil)
    for number in [SIGINT, SIGTERM, SIGHUP] { signal(number, SIG_DFL) }
    signal(SIGPIPE, SIG_IGN)
}

/// The flags every command that talks to a server shares.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Server URL: ws://HOST:PORT/ws, or a share link http://HOST:PORT/s/SECRET.", valueName: "url"))
    var url: String?

    @Option(name: .long, help: ArgumentHelp("Access token (else TANDEM_TOKEN, else the config file).", valueName: "token"))
    var token: String?

    /// Flags, environment and config file combined.
    func settings() throws -> ConnectionSettings {
        let environment = ProcessInfo.processInfo.environment
        var file = ClientConfig()
        if let path = ClientConfig.path(environment: environment), let text = try? String(contentsOfFile: path, encoding: .utf8) {
            file = ClientConfig.parse(text)
        }
        do {
            return try ConnectionSettings.resolve(flagURL: url, flagToken: token, environment: environment, file: file)
        } catch {
            throw Failure(error.message)
        }
    }
}

/// Runs a command body, turning every failure into one clear line on stderr and an exit code.
func runReporting(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let failure as Failure {
        Output.error("tandem: \(PrintableText.line(failure.message))")
        throw ExitCode(failure.exitCode)
    } catch let error as ClientError {
        // Messages can quote what was sent (a name, an id): never let them drive the terminal.
        Output.error("tandem: \(PrintableText.line(error.description))")
        throw ExitCode(exitStatus(for: error))
    }
}

/// `runReporting` around a connection made from `options` and closed however `body` ends: the
/// frame of every subcommand that has nothing to check before it connects.
func runConnected(_ options: ConnectionOptions, _ body: (Connection) throws -> Void) throws {
    try runReporting {
        let c = try connect(options)
        defer { c.close() }
        try body(c)
    }
}

/// The documented exit status of a failure (`tandem --help`), so scripts can tell them apart.
func exitStatus(for error: ClientError) -> Int32 {
    switch error {
    case .server(let e):
        switch e.code {
        case .notFound: 2
        case .forbidden, .sessionPaused, .sessionArchived, .conflict, .alreadyExists, .staleCheckpoint, .limitExceeded,
             .rateLimited, .tooLarge, .resyncRequired: 3
        case .unauthorized, .unavailable: 4
        default: 1
        }
    // The server closes a connection that sent more than its max-message: a refusal, not a lost connection.
    case .closed(CloseCode.messageTooBig.rawValue?, _): 3
    case .connect, .refused, .closed, .timedOut: 4
    case .badAnswer: 1
    }
}

/// Connects once for a scripted command.
func connect(_ options: ConnectionOptions) throws -> Connection {
    let settings = try options.settings()
    return try Connection(settings: settings, onEvent: { _, _ in })
}

/// The one session a share link opens (the server lists only that one to its viewers).
func linkedSessionID(_ c: Connection) throws -> String {
    guard let only = try c.call(.sessionList(SessionListParams()), as: SessionListResult.self).sessions.first else {
        throw Failure("the share link opens no session any more")
    }
    return only.id
}

/// SESSION as given, or, when it is left out, the one a share link as --url opens (it names its
/// session, so `tandem --url LINK tail` is enough); otherwise a usage error.
func sessionOrLinked(_ session: String?, _ settings: ConnectionSettings, _ c: Connection) throws -> String {
    try requireSessionOrLink(session, settings)
    return try session ?? linkedSessionID(c)
}

/// Refuses, before connecting, a left-out SESSION when --url is no share link.
func requireSessionOrLink(_ session: String?, _ settings: ConnectionSettings) throws {
    guard session == nil, !settings.isShareLink else { return }
    throw Failure("missing SESSION: give the session's id (only a share link as --url names its own)")
}
