import Foundation
import TandemTransport
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
        #expect(server.output.contains("signal=SIGTERM [tandemd] shutting down"), "\(server.output)")
    }

    /// A renewed certificate is put in place and tandemd is sent SIGHUP (`systemctl reload`): new
    /// connections get it, and files that do not load are logged and leave the served one alone.
    @Test func sighupReloadsTheTLSCertificate() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-tls-hup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func certificate(_ name: String, days: Int = 1) throws -> (cert: String, key: String) {
            let (cert, key) = (dir.appendingPathComponent("\(name).pem").path, dir.appendingPathComponent("\(name).key").path)
            let openssl = Process()
            openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            openssl.arguments = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                 "-days", String(days), "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
                                 "-keyout", key, "-out", cert]
            openssl.standardError = FileHandle.nullDevice
            try openssl.run()
            openssl.waitUntilExit()
            guard openssl.terminationStatus == 0 else { throw TestFailure("openssl req failed") }
            return (cert, key)
        }
        let (old, renewed, served) = (try certificate("old"), try certificate("renewed", days: 90), try certificate("served"))
        func install(_ pair: (cert: String, key: String)) throws {
            try Data(contentsOf: URL(fileURLWithPath: pair.cert)).write(to: URL(fileURLWithPath: served.cert))
            try Data(contentsOf: URL(fileURLWithPath: pair.key)).write(to: URL(fileURLWithPath: served.key))
        }
        try install(old)
        let server = try TandemdProcess(databasePath: dir.appendingPathComponent("tls.db").path,
                                        arguments: ["--tls-cert", served.cert, "--tls-key", served.key])
        defer { server.stop() }
        /// Whether the server now presents `pair`'s certificate: trusting only it, the TLS handshake
        /// succeeds and the upgrade (no credentials) gets 401; otherwise TLS itself fails.
        func presents(_ pair: (cert: String, key: String)) -> Bool {
            let options = WebSocketClient.Options(subprotocols: ["tandem.v1"], tls: TLSClientConfiguration(caFilePath: pair.cert))
            do {
                _ = try WebSocketClient(url: "wss://127.0.0.1:\(server.port)/ws", options: options)
                return false
            } catch {
                if case .rejected(401, _, _) = error { return true }
                return false
            }
        }
        /// Days until the served certificate expires, as /metrics says (read over https with curl).
        func expiryInDays(trusting pair: (cert: String, key: String)) throws -> Int64? {
            let curl = Process()
            curl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            curl.arguments = ["curl", "-s", "--cacert", pair.cert, "https://127.0.0.1:\(server.port)/metrics"]
            let out = Pipe()
            curl.standardOutput = out
            try curl.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            curl.waitUntilExit()
            let line = text.split(separator: "\n").first { $0.hasPrefix("tandem_tls_certificate_expiry_timestamp_seconds ") }
            return line.flatMap { Int64($0.split(separator: " ")[1]) }.map { ($0 - Int64(Date().timeIntervalSince1970) + 3_600) / 86_400 }
        }
        #expect(presents(old) && !presents(renewed))
        #expect(try expiryInDays(trusting: old) == 1)
        try install(renewed)
        kill(server.process.processIdentifier, SIGHUP)
        #expect(eventually(timeout: 5, every: 0.02) { server.output.contains("reloaded the TLS certificate") })
        #expect(presents(renewed) && !presents(old))
        #expect(try expiryInDays(trusting: renewed) == 90)
        try Data("not a key".utf8).write(to: URL(fileURLWithPath: served.key))
        kill(server.process.processIdentifier, SIGHUP)
        #expect(eventually(timeout: 5, every: 0.02) { server.output.contains("kept the TLS certificate in use") })
        #expect(presents(renewed), "the renewed certificate is still served")
        #expect(server.process.isRunning)
        // The one-day certificate it started with was said to expire soon.
        #expect(server.output.contains("the TLS certificate expires in 0 day(s)") || server.output.contains("the TLS certificate expires in 1 day(s)"))

        // An expired certificate put in place by mistake is refused while the one in use is valid.
        let expired = try expiredCertificate(in: dir)
        try install(renewed)
        kill(server.process.processIdentifier, SIGHUP)
        #expect(eventually(timeout: 5, every: 0.02) { server.output.components(separatedBy: "reloaded the TLS certificate").count == 3 })
        try install(expired)
        kill(server.process.processIdentifier, SIGHUP)
        #expect(eventually(timeout: 5, every: 0.02) { server.output.contains("the new certificate expired") })
        #expect(presents(renewed), "the renewed certificate is still served")
    }

    /// A self-signed certificate whose validity ended yesterday (`openssl req` takes no negative days).
    private func expiredCertificate(in dir: URL) throws -> (cert: String, key: String) {
        let (cert, key, csr) = (dir.appendingPathComponent("expired.pem").path, dir.appendingPathComponent("expired.key").path,
                                dir.appendingPathComponent("expired.csr").path)
        for arguments in [["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                           "-subj", "/CN=localhost", "-keyout", key, "-out", csr],
                          ["openssl", "x509", "-req", "-in", csr, "-signkey", key, "-days", "-1", "-out", cert]] {
            let openssl = Process()
            openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            openssl.arguments = arguments
            openssl.standardError = FileHandle.nullDevice
            openssl.standardOutput = FileHandle.nullDevice
            try openssl.run()
            openssl.waitUntilExit()
            guard openssl.terminationStatus == 0 else { throw TestFailure("\(arguments[1]) failed") }
        }
        return (cert, key)
    }

    /// `--log-format json`: every log line, from start to stop, is one JSON object with the fixed
    /// fields and the metadata as fields (the first-run banner on standard output is not a log).
    @Test func jsonLogsAreOneObjectPerLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-jsonlog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try TandemdProcess(databasePath: dir.appendingPathComponent("j.db").path,
                                        arguments: ["--log-format", "json", "--log-level", "debug"])
        let token = try String(contentsOfFile: dir.appendingPathComponent("j.owner-token").path, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let client = try TandemTestClient.connect(port: server.port, .bearer(token), label: "json-log")
        client.close()
        #expect(throws: (any Error).self) { try TandemTestClient.connect(port: server.port, .bearer("tdm_wrong"), label: "refused") }
        #expect(eventually(timeout: 5, every: 0.02) { server.output.contains("connection closed") })
        server.stop()
        let banner = ["First start", "  ", "Connect with"]
        let lines = server.output.split(separator: "\n").filter { line in !banner.contains { line.hasPrefix($0) } }
        #expect(lines.count >= 4, "\(server.output)")
        var messages: [String] = []
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["time"] is String && object?["level"] is String && object?["logger"] as? String == "tandemd", "\(line)")
            messages.append(object?["message"] as? String ?? "")
        }
        let listening = try #require(lines.first { $0.contains("tandemd listening") })
        #expect(listening.contains(#""address":"ws://127.0.0.1:\#(server.port)/ws""#))
        #expect(messages.contains("tandemd listening") && messages.contains("tandemd stopped"))
        let refused = try #require(lines.first { $0.contains("handshake refused") })
        #expect(refused.contains(#""client":"127.0.0.1""#) && refused.contains(#""status":"401""#))
        #expect(lines.contains { $0.contains(#""level":"debug""#) }, "debug lines for the accepted connection")
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
        let version = try TandemdProcess.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout == Release.version + "\n")
    }

    /// A second tandemd on a port the first one holds refuses to start before it makes anything: it
    /// used to create its database and owner account first, whose token only the log line then named.
    @Test func aTakenPortIsRefusedBeforeADatabaseIsMade() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-port-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try TandemdProcess(databasePath: dir.appendingPathComponent("a.db").path)
        defer { first.stop() }
        let second = try TandemdProcess.run(["--db", dir.appendingPathComponent("b.db").path, "--host", "127.0.0.1", "--port", String(first.port)])
        let text = second.stdout + second.stderr
        #expect(second.status != 0)
        #expect(text.contains("cannot listen") && text.contains("in use"), "\(text)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("b.db").path), "\(text)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("b.owner-token").path))
    }
}
