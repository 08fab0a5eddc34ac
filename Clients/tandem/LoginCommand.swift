import ArgumentParser
import Foundation
import TandemClientKit
import TandemProtocol

/// `tandem login`: saves URL and token for later commands.
struct Login: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Save the server URL and token to the config file (mode 0600).",
        discussion: "Writes $XDG_CONFIG_HOME/tandem/config (or ~/.config/tandem/config). Flags and TANDEM_URL/TANDEM_TOKEN still win over it; the saved token is sent only to the saved server (same scheme, host and port).")

    @Option(help: "Server URL, e.g. ws://127.0.0.1:8765/ws.")
    var url: String

    @Option(help: "Access token (from `tandem-admin tokens issue USER`); - reads it from standard input (kept out of shell history).")
    var token: String

    @Flag(help: "Save without checking that the server accepts the token.")
    var noVerify = false

    func run() throws {
        try runReporting {
            let environment = ProcessInfo.processInfo.environment
            guard let path = ClientConfig.path(environment: environment) else {
                throw Failure("cannot find the config directory: set HOME or XDG_CONFIG_HOME")
            }
            var token = self.token
            if token == "-" {
                token = (Self.readToken() ?? "").trimmingCharacters(in: .whitespaces)
                guard !token.isEmpty else { throw Failure("no token on standard input") }
            }
            let settings: ConnectionSettings
            do {
                settings = try ConnectionSettings.resolve(flagURL: url, flagToken: token, environment: [:], file: ClientConfig())
            } catch let error as CommandError {
                throw Failure(error.message)
            }
            guard !settings.isShareLink else {
                throw Failure("a share link needs no login (and takes no token): open it with tandem --url LINK")
            }
            var user: String?
            if !noVerify {
                let connection = try Connection(settings: settings, onEvent: { _, _ in })
                defer { connection.close() }
                // Who the token is: a token pasted for the wrong account is seen at once.
                user = try connection.call(.ping, as: PongResult.self).user
            }
            try ConfigFile.write(ClientConfig(url: url, token: token), to: path)
            Output.line("saved \(url) to \(path)" + (user.map { " (you are \($0))" } ?? ""))
        }
    }

    /// The token from standard input. At a terminal it is asked for on stderr and not echoed, as a
    /// password is: it would otherwise stay on the screen and in the terminal's scrollback. Ctrl-C
    /// there puts echo back before leaving (status 130, as the shell reports an interrupt).
    static func readToken() -> String? {
        var saved = termios()
        guard isatty(0) == 1, tcgetattr(0, &saved) == 0 else { return readLine(strippingNewline: true) }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        let original = saved
        signal(SIGINT, SIG_IGN) // delivered to the source below instead
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        interrupt.setEventHandler {
            var restored = original
            tcsetattr(0, TCSANOW, &restored)
            Output.write("\n", to: 2)
            Foundation.exit(130)
        }
        interrupt.resume()
        Output.write("token (typing is not shown): ", to: 2)
        tcsetattr(0, TCSAFLUSH, &quiet)
        let line = readLine(strippingNewline: true)
        tcsetattr(0, TCSAFLUSH, &saved)
        interrupt.cancel()
        signal(SIGINT, SIG_DFL)
        Output.write("\n", to: 2)
        return line
    }
}

/// `tandem whoami`: which server and which user the connection settings reach.
struct WhoAmI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whoami",
        abstract: "Connect with the current settings and print the user the server knows them as, and the server.",
        discussion: "A share link prints 'viewer (share link)'. Exit status 4 when the server cannot be reached or refuses the credential.")
    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        try runReporting {
            let settings = try connection.settings()
            let c = try Connection(settings: settings, onEvent: { _, _ in })
            defer { c.close() }
            let pong = try c.call(.ping, as: PongResult.self)
            // A share link's URL is its secret: name the server only.
            let server = settings.isShareLink ? ShareURL.server(of: settings.webSocketURL) : settings.webSocketURL
            Output.line("\(pong.user ?? "viewer (share link)") at \(server)")
        }
    }
}

/// Writing the config file: a private directory and a 0600 file, replaced atomically.
enum ConfigFile {
    static func write(_ config: ClientConfig, to path: String) throws {
        // URL's, not NSString's: that one traps on a one-character path in this toolchain's Foundation.
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw Failure("cannot create \(directory): \(error.localizedDescription)")
        }
        let temporary = path + ".tmp"
        // A fresh file only: a leftover `config.tmp` (or a symlink planted there) is removed, never
        // followed or reused, so the token cannot land in another file or in one others can read.
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        fchmod(fd, 0o600) // before the token is in it (a umask cannot widen 0600, but be explicit)
        let bytes = Array(config.serialized().utf8)
        // Safe: the pointer is valid for the duration of the closure; write(2) reads exactly `count` bytes.
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        guard written == bytes.count, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw Failure("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
