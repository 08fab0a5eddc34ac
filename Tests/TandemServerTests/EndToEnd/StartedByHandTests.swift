import Foundation
import TandemJSON
import TandemProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// tandemd started by hand, without what its systemd unit gives it.
@Suite("tandemd started by hand")
struct StartedByHandTests {
    /// SIGHUP (a closed terminal, `kill -HUP` out of habit) used to kill tandemd at once: no
    /// graceful close, and under `Restart=on-failure` systemd counts a SIGHUP death as clean and
    /// does not restart it. It is logged and the server goes on; SIGTERM still stops it gracefully.
    @Test func sighupIsLoggedAndTheServerGoesOnServing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-hup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try TandemdProcess(databasePath: dir.appendingPathComponent("hup.db").path)
        defer { if server.process.isRunning { server.kill9() } }
        let token = try String(contentsOfFile: dir.appendingPathComponent("hup.owner-token").path, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        for _ in 0..<2 { kill(server.process.processIdentifier, SIGHUP) }
        #expect(eventually(timeout: 5, every: 0.02) { server.output.contains("SIGHUP") })
        #expect(server.process.isRunning)
        let client = try TandemTestClient.connect(port: server.port, .bearer(token), label: "after-hup")
        let created = try client.request("session.create", ["title": "still here"])
        #expect(created["ok"]?.boolValue == true)
        client.close()
        server.stop()
        #expect(server.process.terminationReason == .exit && server.process.terminationStatus == 0)
        #expect(server.output.contains("shutting down"))
    }

    /// Without the unit's UMask=0077 the database and its files were created 0644.
    @Test func theDatabaseFilesAreTheUsersOnly() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-umask-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try TandemdProcess(databasePath: dir.appendingPathComponent("m.db").path)
        defer { server.stop() }
        for file in ["m.db", "m.db-wal", "m.db-search", "m.owner-token"] {
            let mode = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(file).path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file): \(String(mode ?? 0, radix: 8))")
        }
    }

    /// `--version` names the release that /metrics reports.
    @Test func versionIsTheRelease() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TandemdProcess.binary())
        process.arguments = ["--version"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text == Release.version + "\n")
    }

    /// A second tandemd on a port the first one holds refuses to start, and since it already made
    /// its owner account, says where that token is.
    @Test func aTakenPortIsRefusedAndTheFirstRunTokenIsNotLost() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-port-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try TandemdProcess(databasePath: dir.appendingPathComponent("a.db").path)
        defer { first.stop() }
        let second = Process()
        second.executableURL = URL(fileURLWithPath: try TandemdProcess.binary())
        second.arguments = ["--db", dir.appendingPathComponent("b.db").path, "--host", "127.0.0.1", "--port", String(first.port)]
        let output = Pipe()
        second.standardError = output
        second.standardOutput = output
        try second.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        second.waitUntilExit()
        #expect(second.terminationStatus != 0)
        #expect(text.contains("cannot listen") && text.contains("in use"), "\(text)")
        #expect(text.contains("b.owner-token"), "\(text)")
    }
}
