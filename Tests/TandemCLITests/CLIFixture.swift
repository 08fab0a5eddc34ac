import Foundation
import Synchronization
import Testing
import TandemServer
import TandemStore

/// A real tandemd (in process, port 0, temporary database) with users, tokens and a session `s1`, plus
/// helpers to run the built `tandem` binary directly or inside tmux.
final class CLIFixture: Sendable {
    private let running: Mutex<TandemServer?>
    let port: UInt16
    let configuration: ServerConfiguration
    let directory: URL
    /// user id → token secret.
    let tokens: [String: String]

    /// `.build/debug/tandem`; `$TANDEM_CLI_BINARY` overrides it (Tests/sanitizers/run: the sanitized build).
    static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["TANDEM_CLI_BINARY"] { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/tandem").path
    }()

    /// alice owns s1; bob may write; carol may only read. `configure` changes the server's settings.
    init(_ configure: (inout ServerConfiguration) -> Void = { _ in }) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.databasePath = directory.appendingPathComponent("t.db").path
        configure(&configuration)
        let server = try TandemServer(configuration: configuration)
        port = try server.start()
        configuration.port = Int(port)
        self.configuration = configuration
        running = Mutex(server)
        var tokens: [String: String] = [:]
        for (id, name) in [("alice", "Alice"), ("bob", "Bob"), ("carol", "Carol")] {
            _ = try server.store.createUser(id: id, displayName: name)
            tokens[id] = try server.store.createToken(userID: id, label: "test").secret
        }
        self.tokens = tokens
        _ = try server.store.createSession(id: "s1", title: "Design review", owner: "alice")
        _ = try server.store.setMember(session: "s1", actor: "alice", user: "bob", role: .write)
        _ = try server.store.setMember(session: "s1", actor: "alice", user: "carol", role: .read)
    }

    var url: String { "ws://127.0.0.1:\(port)/ws" }

    var server: TandemServer { running.withLock { $0! } }

    /// Stops the server (clients see 1001), lets `offline` change the database directly, then starts a new
    /// server on the same port and database, its settings changed by `change`.
    func restart(changing change: (inout ServerConfiguration) -> Void = { _ in }, offline: (Store) throws -> Void) throws {
        running.withLock { s in
            s?.shutdown(grace: 1)
            s = nil
        }
        let store = try Store(StoreConfiguration(path: configuration.databasePath))
        try offline(store)
        store.close()
        var changed = configuration
        change(&changed)
        // The port was the kernel's pick: a client socket may hold it as its own end for a moment
        // (EADDRINUSE); try again for a while rather than fail the test on it.
        var attempt = 0
        while true {
            let server = try TandemServer(configuration: changed)
            do {
                try server.start()
                running.withLock { $0 = server }
                return
            } catch {
                server.shutdown(grace: 0)
                attempt += 1
                guard attempt < 50 else { throw error }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
    }

    func shutdown() {
        running.withLock { $0?.shutdown(grace: 1) }
        try? FileManager.default.removeItem(at: directory)
    }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `tandem` with the user's token, optional stdin, and an isolated config directory.
    func run(_ arguments: [String], as user: String? = "alice", stdin: String? = nil, timeout: Double = 20) throws -> Run {
        var args = ["--url", url]
        if let user { args += ["--token", tokens[user]!] }
        let arguments = arguments.first == "RAW" ? Array(arguments.dropFirst()) : args + arguments
        let id = UUID().uuidString
        let outPath = directory.appendingPathComponent("out-\(id)").path
        let errPath = directory.appendingPathComponent("err-\(id)").path
        var inPath: String?
        if let stdin {
            inPath = directory.appendingPathComponent("in-\(id)").path
            try stdin.write(toFile: inPath!, atomically: true, encoding: .utf8)
        }
        let child = try Spawned(Self.binary, arguments, environment: environment, stdinPath: inPath,
                                stdoutPath: outPath, stderrPath: errPath)
        // Bounded: a hung client is killed, and the test then fails on its output. Scaled: under
        // TSan at load ~16 a `tandem state --json` overstayed 20 s (docs/hardening.md, "Findings and fixes").
        let status = child.wait(timeout: timeout * testTimeScale)
        let outData = FileManager.default.contents(atPath: outPath) ?? Data()
        let errData = FileManager.default.contents(atPath: errPath) ?? Data()
        return Run(status: status, stdout: String(decoding: outData, as: UTF8.self),
                   stderr: String(decoding: errData, as: UTF8.self))
    }
    var environment: [String: String] {
        ["PATH": "/usr/bin:/bin", "HOME": directory.path, "XDG_CONFIG_HOME": directory.appendingPathComponent("config").path,
         "TERM": "xterm-256color", "LANG": "C.UTF-8"].merging(Self.sanitizerOptions) { own, _ in own }
    }

    /// The runner's `ASAN_OPTIONS`, `TSAN_OPTIONS`, ... (set by Tests/sanitizers/run), which the clean
    /// environments above must keep: without them a sanitized `tandem` wrote its reports to its stderr
    /// (often /dev/null, or a tmux pane) instead of the run's report files, and under ASan's default
    /// detect_leaks=1 a leak at exit turned its exit status into 1 (the owner's view after `/delete`).
    static let sanitizerOptions: [String: String] =
        ProcessInfo.processInfo.environment.filter { $0.key.hasSuffix("SAN_OPTIONS") }
}

/// One tmux server (own socket) with panes running `tandem`, driven with send-keys / capture-pane.
final class Tmux: Sendable {
    let socket = "tandem-test-\(UUID().uuidString.prefix(8))"

    /// How long a wait for the screen lasts at most (seconds, before scaling).
    static let defaultWait: Double = 30

    static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") }

    /// Runs one tmux command. Its output goes to a file, not a pipe: the tmux server started by the first
    /// `new-session` keeps inherited descriptors open, so a pipe would never reach end-of-file.
    @discardableResult
    func tmux(_ args: [String]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tmux-out-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let child = try Spawned("/usr/bin/tmux", ["-L", socket] + args,
                                environment: ["PATH": "/usr/bin:/bin", "TERM": "xterm-256color", "LANG": "C.UTF-8"]
                                    .merging(CLIFixture.sanitizerOptions) { own, _ in own },
                                stdoutPath: path, stderrPath: "/dev/null")
        // A backstop for a hung tmux only: a command cut short at load (keys not sent) failed the test.
        child.wait(timeout: 30 * testTimeScale)
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    /// Starts `command` in a 120x30 detached session named `name`.
    func start(_ name: String, command: String) throws {
        try tmux(["new-session", "-d", "-s", name, "-x", "120", "-y", "30", command])
    }

    /// Types `text` literally, then Enter.
    func type(_ name: String, _ text: String) throws {
        try tmux(["send-keys", "-t", name, "-l", text])
        try tmux(["send-keys", "-t", name, "Enter"])
    }

    func screen(_ name: String) throws -> String {
        try tmux(["capture-pane", "-p", "-J", "-t", name, "-S", "-200"])
    }

    /// Polls the pane (up to `timeout` s, scaled by `testTimeScale`) until `predicate` holds; returns
    /// the last screen either way. The default is a backstop, not a measure: a wait returns as soon
    /// as the screen shows what it waits for, and the 8 s it was (each step's answer, through tmux
    /// and a debug `tandem`) ran out in a whole `swift test` at load 6-9.
    @discardableResult
    func waitFor(_ name: String, timeout: Double = Tmux.defaultWait, _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout * testTimeScale)
        var text = try screen(name)
        while !predicate(text) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            text = try screen(name)
        }
        return text
    }

    /// Waits for `needle` on the pane; its absence after `timeout` is a failure of the calling test
    /// (a bare wait that timed out once passed silently, costing its timeout and checking nothing).
    @discardableResult
    func waitFor(_ name: String, contains needle: String, timeout: Double = Tmux.defaultWait,
                 sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let text = try waitFor(name, timeout: timeout) { $0.contains(needle) }
        if !text.contains(needle) {
            Issue.record("\(name)'s screen never showed \"\(needle)\": \(text)", sourceLocation: sourceLocation)
        }
        return text
    }

    func killServer() { _ = try? tmux(["kill-server"]) }
}
