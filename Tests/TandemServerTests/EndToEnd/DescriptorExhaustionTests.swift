import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// tandemd out of file descriptors (its open-file limit below what clients open): clients it cannot
/// hold are accepted and closed at once, as at `max-connections`, instead of waiting in the backlog
/// (which kept the listener readable, so the loop retried and logged thousands of lines a second);
/// the log says so at most once a second; and the server serves again once descriptors free up.
@Suite("tandemd out of file descriptors")
struct DescriptorExhaustionTests {
    @Test func clientsBeyondTheOpenFileLimitAreClosedAndTheServerRecovers() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-emfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // `ulimit -n 64` applies to tandemd only (exec), not to the test process.
        process.arguments = ["-c", "ulimit -n 64 && exec \"$0\" \"$@\"", try TandemdProcess.binary(),
                             "--db", dir.appendingPathComponent("t.db").path, "--host", "127.0.0.1", "--port", "0",
                             "--loops", "1", "--handshake-timeout", "60", "--log-level", "info"]
        process.environment = TandemdProcess.childEnvironment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let log = Locked("")
        let handle = output.fileHandleForReading
        Thread {
            while true {
                let data = handle.availableData
                if data.isEmpty { return }
                log.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
        }.start()
        try process.run()
        defer {
            // SIGTERM stops it gracefully even after it ran out of descriptors (it once ignored
            // SIGTERM for good when the flood came while it registered its signal handling).
            process.terminate()
            let stopped = eventually(timeout: 10) { !process.isRunning }
            #expect(stopped, "tandemd ignored SIGTERM")
            if !stopped { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        var port: UInt16?
        #expect(eventually(timeout: 20) {
            if let range = log.value.range(of: "address=ws://127.0.0.1:") {
                port = UInt16(log.value[range.upperBound...].prefix { $0.isNumber })
            }
            return port != nil
        })
        let listening = try #require(port, "tandemd did not start: \(log.value)")

        // Three times more connections than tandemd has descriptors.
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        for _ in 0..<192 { sockets.append(try RawSocket.connect(port: listening)) }

        // The ones it cannot hold are closed by the server (EOF or reset), not left waiting.
        var closedByServer = 0
        #expect(eventually(timeout: 10) {
            closedByServer = sockets.filter(RawSocket.peerClosed).count
            return closedByServer >= 100
        }, "only \(closedByServer) of 192 connections were closed by the server")
        #expect(process.isRunning)
        // The log reaches us through a pipe read on another thread: on a loaded machine, later.
        var lines: [String] = []
        _ = eventually(timeout: 10) {
            lines = log.value.components(separatedBy: "\n").filter { $0.contains("out of file descriptors") }
            return !lines.isEmpty
        }
        #expect(!lines.isEmpty && lines.count <= 15, "\(lines.count) log lines about descriptors")

        // With the clients gone, descriptors free up and it serves again.
        sockets.forEach { close($0) }
        sockets.removeAll()
        var answer = ""
        #expect(eventually(timeout: 10) {
            answer = (try? RawSocket.get("/healthz", port: listening)) ?? ""
            return answer.hasPrefix("HTTP/1.1 200")
        }, "healthz after recovery: \(answer)")
    }
}
