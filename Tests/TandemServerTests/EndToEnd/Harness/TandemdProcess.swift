import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The real `tandemd` executable as a child process (for the kill -9 test and anything else that
/// needs a server in its own process). The test runner builds it (`swift build` builds every
/// product; Tests/run-all does that before `swift test`); the test never builds it itself.
final class TandemdProcess: Sendable {
    let process: Process
    let port: UInt16
    let databasePath: String
    private let log: Locked<String>

    /// Runs `tandemd arguments` (behind `prefix`, a command that runs it as another user) until it
    /// exits, for the runs that end by themselves (--help, --version, a refused start): its status and
    /// what it wrote to standard output and standard error.
    static func run(_ arguments: [String], behind prefix: [String] = []) throws -> (status: Int32, stdout: String, stderr: String) {
        let command = prefix + [try binary()] + arguments
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = childEnvironment
        let (output, errors) = (Pipe(), Pipe())
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Both pipes drained at once: a child blocked on a full one would never exit.
        let stdout = Locked("")
        let finished = DispatchSemaphore(value: 0)
        Thread {
            stdout.withLock { $0 = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
            finished.signal()
        }.start()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        finished.wait()
        process.waitUntilExit()
        return (process.terminationStatus, stdout.value, stderr)
    }

    /// The runner's environment without its `TANDEM_` variables: tandemd reads those as settings and
    /// warns about each that names none, and the runner's are the harness's own
    /// (`TANDEM_TEST_TIME_SCALE`, `TANDEM_ADMIN_BINARY`, ... under Tests/sanitizers/run), or a
    /// developer's shell settings. A test gives its server every setting as a flag.
    static var childEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TANDEM_") }
    }

    /// Where the built `tandemd` is: `$TANDEMD_BINARY`, next to the test bundle, or
    /// `<package root>/.build/debug/tandemd`.
    static func binary() throws -> String {
        var candidates: [String] = []
        if let path = ProcessInfo.processInfo.environment["TANDEMD_BINARY"] { candidates.append(path) }
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = runner.deletingLastPathComponent()
        // The runner may sit inside a `.xctest` bundle directory (Contents/MacOS on Darwin).
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent("tandemd").path)
            directory = directory.deletingLastPathComponent()
        }
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/tandemd").path)
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw TestFailure("tandemd is not built (looked in \(candidates)); run `swift build --product tandemd` (Tests/run-all does) before the tests")
    }

    /// Starts `tandemd --db databasePath --port port` (0: any free port, read back from its log)
    /// and waits until it listens.
    init(databasePath: String, port: UInt16 = 0, arguments: [String] = []) throws {
        self.databasePath = databasePath
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.binary())
        process.arguments = ["--db", databasePath, "--host", "127.0.0.1", "--port", String(port), "--log-level", "info"] + arguments
        process.environment = Self.childEnvironment
        let output = Pipe()
        process.standardError = output
        process.standardOutput = output
        let log = Locked("")
        self.log = log
        let handle = output.fileHandleForReading
        // Keep draining the pipe so the child never blocks on a full one.
        let reader = Thread {
            while true {
                let data = handle.availableData
                if data.isEmpty { return }
                log.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
        }
        reader.start()
        try process.run()
        self.process = process
        var found: UInt16?
        let ready = eventually(timeout: 20, every: 0.02) {
            found = Self.listeningPort(in: log.value)
            return found != nil || !process.isRunning
        }
        guard ready, let found else {
            process.terminate()
            throw TestFailure("tandemd did not start listening: \(log.value)")
        }
        self.port = found
    }

    /// The port in the "tandemd listening" log line (`address=ws://127.0.0.1:PORT/ws`, or wss://, or
    /// `"address":"ws://...` with `--log-format json`; the first-run banner before it names the
    /// configured port, 0).
    private static func listeningPort(in text: String) -> UInt16? {
        let prefixes = ["address=ws://", "address=wss://", #""address":"ws://"#, #""address":"wss://"#].map { $0 + "127.0.0.1:" }
        guard let range = prefixes.lazy.compactMap({ text.range(of: $0) }).first else { return nil }
        let digits = text[range.upperBound...].prefix { $0.isNumber }
        return UInt16(digits)
    }

    var output: String { log.value }

    /// SIGKILL: no shutdown, no flush, no goodbye.
    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM and wait for the graceful shutdown.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
