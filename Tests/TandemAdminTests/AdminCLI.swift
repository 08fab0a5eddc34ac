import Foundation
import Testing
import TandemJSON
import TandemStore

/// The built `tandem-admin` (Tests/run-all builds it before `swift test`); `$TANDEM_ADMIN_BINARY` overrides
/// it (Tests/sanitizers/run points it at the sanitized build).
let adminBinary: String = {
    if let path = ProcessInfo.processInfo.environment["TANDEM_ADMIN_BINARY"] { return path }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug/tandem-admin").path
}()

/// What one run of the binary did.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String

    /// stdout parsed as one JSON document.
    func json() throws -> JSONValue { try JSONValue(parsing: stdout) }
    /// stdout as lines of tab-separated cells (the piped table format).
    var rows: [[String]] {
        stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }
}

/// One test's temporary database, seeded in-process through the store, driven through the binary.
struct AdminFixture {
    let dir: String
    var db: String { dir + "/tandem.db" }

    init() {
        dir = NSTemporaryDirectory() + "tandem-admin-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: dir) }

    /// Opens the database with the store (creating it), runs `body`, closes it.
    @discardableResult
    func seed<T>(clock: (@Sendable () -> Int64)? = nil, _ body: (Store) throws -> T) throws -> T {
        var configuration = StoreConfiguration(path: db)
        if let clock { configuration.clock = clock }
        let store = try Store(configuration)
        defer { store.close() }
        return try body(store)
    }

    /// Users alice (owner of s1 "Planning"), bob (write), carol (read), erin (no session).
    func seedStandard() throws {
        try seed { store in
            for (id, name) in [("alice", "Alice"), ("bob", "Bob"), ("carol", "Carol"), ("erin", "Erin")] {
                _ = try store.createUser(id: id, displayName: name)
            }
            _ = try store.createSession(id: "s1", title: "Planning", owner: "alice")
            try store.setMember(session: "s1", actor: "alice", user: "bob", role: .write)
            try store.setMember(session: "s1", actor: "alice", user: "carol", role: .read)
        }
    }

    /// Runs `tandem-admin ARGS --db DB` (unless `withDB` is false) with a clean environment;
    /// `--db DB` goes before a `--` in ARGS (generated ids may start with '-' and follow `--`).
    func run(_ args: [String], withDB: Bool = true, stdin: String? = nil, env: [String: String] = [:]) throws -> CLIResult {
        var args = args
        if withDB { args.insert(contentsOf: ["--db", db], at: args.firstIndex(of: "--") ?? args.endIndex) }
        return try runAdmin(args, in: dir, stdin: stdin, env: env)
    }
}

/// `launcher`: a command that runs the binary (its path and `args` follow the launcher's own arguments).
func runAdmin(_ args: [String], in dir: String, stdin: String? = nil, env: [String: String] = [:],
              launcher: [String] = []) throws -> CLIResult {
    guard FileManager.default.isExecutableFile(atPath: adminBinary) else {
        Issue.record("no binary at \(adminBinary); build it with: swift build --product tandem-admin")
        throw CocoaError(.fileNoSuchFile)
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: launcher.first ?? adminBinary)
    process.arguments = launcher.isEmpty ? args : Array(launcher.dropFirst()) + [adminBinary] + args
    process.currentDirectoryURL = URL(fileURLWithPath: dir)
    var environment = ProcessInfo.processInfo.environment
    environment["TANDEM_DB"] = nil
    environment["TANDEM_PUBLIC_URL"] = nil
    for (key, value) in env { environment[key] = value }
    process.environment = environment
    // Files, not pipes: a large export cannot fill a pipe and stall the child.
    let outPath = dir + "/out-" + UUID().uuidString, errPath = dir + "/err-" + UUID().uuidString
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    defer {
        try? FileManager.default.removeItem(atPath: outPath)
        try? FileManager.default.removeItem(atPath: errPath)
    }
    process.standardOutput = FileHandle(forWritingAtPath: outPath)
    process.standardError = FileHandle(forWritingAtPath: errPath)
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    process.waitUntilExit()
    let out = String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self)
    let err = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
    return CLIResult(status: process.terminationStatus, stdout: out, stderr: err)
}

/// Checks the exit status, showing stdout/stderr when it is wrong.
func expectStatus(_ result: CLIResult, _ status: Int32, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.status == status, "stdout: \(result.stdout)\nstderr: \(result.stderr)", sourceLocation: sourceLocation)
}
