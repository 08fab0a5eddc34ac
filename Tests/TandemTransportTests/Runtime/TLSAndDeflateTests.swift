import COpenSSL
import Foundation
import Synchronization
import Testing
@testable import TandemTransport

/// A self-signed certificate for 127.0.0.1, made with the openssl CLI in a temp directory.
struct TestCertificate {
    let directory: URL
    var certificate: String { directory.appendingPathComponent("cert.pem").path }
    var key: String { directory.appendingPathComponent("key.pem").path }

    /// Valid for `days` from now.
    init(days: Int = 1) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                             "-nodes", "-days", String(days), "-subj", "/CN=localhost",
                             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                             "-keyout", directory.appendingPathComponent("key.pem").path,
                             "-out", directory.appendingPathComponent("cert.pem").path]
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TransportError("openssl req", code: 0, detail: "is the openssl CLI installed? (apt package openssl)")
        }
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

@Suite("Runtime: TLS and permessage-deflate over loopback")
struct TLSAndDeflateTests {
    /// A wss:// server on `certificate`, one loop, with `configure` on top.
    func tlsServer(_ certificate: TestCertificate, _ app: any WebSocketApplication,
                   _ configure: (inout TransportConfiguration) -> Void = { _ in }) throws -> TestServer {
        try TestServer({
            $0.tls = TLSConfiguration(certificatePath: certificate.certificate, keyPath: certificate.key)
            $0.loopCount = 1
            configure(&$0)
        }, application: app)
    }

    /// A client of `server` trusting `certificate` alone.
    func tlsClient(_ server: TestServer, trusting certificate: TestCertificate) throws -> WebSocketClient {
        let options = WebSocketClient.Options(tls: TLSClientConfiguration(verifyPeer: true, caFilePath: certificate.certificate))
        return try WebSocketClient(url: "wss://127.0.0.1:\(server.port)/", options: options)
    }

    @Test func tlsEchoRoundTrip() throws {
        let certificate = try TestCertificate()
        defer { certificate.remove() }
        let server = try TestServer({ $0.tls = TLSConfiguration(certificatePath: certificate.certificate, keyPath: certificate.key) },
                                    application: RecordingApp())
        defer { server.stop() }
        let options = WebSocketClient.Options(tls: TLSClientConfiguration(verifyPeer: true, caFilePath: certificate.certificate))
        let client = try WebSocketClient(url: "wss://127.0.0.1:\(server.port)/secure", options: options)
        try client.send(text: "over tls")
        #expect(client.receiveMessage() == .text(Array("over tls".utf8)))
        let big = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try client.send(binary: big)
        #expect(client.receiveMessage(timeout: 10) == .binary(big))
        #expect(client.close() == 1000)
    }

    /// What `openssl s_client` can negotiate: TLS 1.2 only with forward-secret AEAD suites,
    /// nothing older than 1.2.
    @Test func tlsOffersOnlyStrongSuites() throws {
        let certificate = try TestCertificate()
        defer { certificate.remove() }
        let server = try TestServer({ $0.tls = TLSConfiguration(certificatePath: certificate.certificate, keyPath: certificate.key) },
                                    application: RecordingApp())
        defer { server.stop() }
        func handshake(_ options: [String]) throws -> Bool {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["openssl", "s_client", "-connect", "127.0.0.1:\(server.port)", "-brief"] + options
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus == 0
        }
        #expect(try handshake(["-tls1_3"]))
        #expect(try handshake(["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"]))
        for weak in ["AES128-SHA", "AES256-GCM-SHA384", "ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES128-SHA256"] {
            #expect(try !handshake(["-tls1_2", "-cipher", weak]), "\(weak)")
        }
        #expect(try !handshake(["-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"]))
        let context = try TLSContext(server: TLSConfiguration(certificatePath: certificate.certificate, keyPath: certificate.key))
        #expect(SSL_CTX_get_options(context.context) & tandem_SSL_OP_NO_RENEGOTIATION() != 0)
    }

    @Test func tlsRejectsPlainTextAndTimesOutSilentClients() throws {
        let certificate = try TestCertificate()
        defer { certificate.remove() }
        let server = try TestServer({
            $0.tls = TLSConfiguration(certificatePath: certificate.certificate, keyPath: certificate.key, handshakeTimeout: 0.3)
            $0.handshakeTimeout = 0.3
        }, application: RecordingApp())
        defer { server.stop() }
        // Plain HTTP on a TLS port fails the TLS handshake: the socket is closed.
        let plain = try RawSocket(port: server.port)
        plain.send(upgradeRequest())
        _ = plain.readAll(timeout: 2)
        // A client that says nothing is dropped after the handshake timeout (0.3 s). Without it, it
        // would be kept as long as it stays: the read below would wait out its 30 s. Not a latency
        // bound: a loaded host can take seconds to get there.
        let silent = try RawSocket(port: server.port)
        let start = Date()
        #expect(silent.readAll(timeout: 30 * testTimeScale).isEmpty)
        #expect(Date().timeIntervalSince(start) < 10 * testTimeScale, "dropped after \(Date().timeIntervalSince(start)) s")
        #expect(eventually { server.server.connectionCount == 0 })
    }

    /// A wss:// slow consumer is told 1008 like a ws:// one. OpenSSL owns the frame it answered WANT_WRITE
    /// for (it must be offered again); the cut used to drop that frame, so the close frame's write failed
    /// ("bad write retry") and the connection just ended, without a close frame.
    @Test func tlsSlowConsumerGetsTheCloseFrame() throws {
        let certificate = try TestCertificate()
        defer { certificate.remove() }
        let app = BroadcastApp()
        let server = try tlsServer(certificate, app) {
            $0.outboundQueueLimit = 64 * 1024
            $0.closeTimeout = 30
        }
        defer { server.stop() }
        let slow = try tlsClient(server, trusting: certificate)
        let fast = try tlsClient(server, trusting: certificate)
        #expect(eventually { app.memberCount == 2 })
        let payload = [UInt8](repeating: 0x42, count: 16 * 1024)
        // 16 MiB: far more than the slow member's socket buffers and queue limit hold.
        for sent in 0..<1024 {
            try fast.send(binary: payload)
            guard fast.receiveMessage(timeout: 10) == .binary(payload) else { Issue.record("fast missed \(sent)"); return }
        }
        var code: UInt16?? = .none
        reading: while true {
            switch slow.receive(timeout: 10) {
            case .event(.close(let c, _)): code = .some(c); break reading
            case .event: continue
            default: break reading
            }
        }
        #expect(code == .some(1008), "\(String(describing: code))")
        fast.disconnect()
    }

    /// One wss:// client streaming frames as fast as it can does not hold the loop: TLS reads are
    /// bounded per turn like plain ones (they were read until OpenSSL wanted more, which a fast
    /// enough sender never let happen, and members on the loop waited seconds for an answer).
    @Test func aTLSFloodDoesNotStarveTheLoop() throws {
        let certificate = try TestCertificate()
        defer { certificate.remove() }
        let app = BroadcastApp()
        let server = try tlsServer(certificate, app)
        defer { server.stop() }
        let member = try tlsClient(server, trusting: certificate)
        let flooder = try tlsClient(server, trusting: certificate)
        #expect(eventually { app.memberCount == 2 })
        let pongs = Array([[UInt8]](repeating: clientFrame(.pong, [UInt8](repeating: 0x7a, count: 125)), count: 500).joined())
        let flooding = Atomic<Bool>(true)
        let thread = Thread {
            while flooding.load(ordering: .relaxed) { if (try? flooder.sendRaw(pongs)) == nil { return } }
        }
        thread.start()
        defer { flooding.store(false, ordering: .relaxed) }
        Thread.sleep(forTimeInterval: 0.3)
        var worst = 0.0
        let end = Date().addingTimeInterval(2)
        var round = 0
        while Date() < end {
            let sent = Date()
            try member.send(binary: [UInt8(truncatingIfNeeded: round)])
            guard member.receiveMessage(timeout: 10) == .binary([UInt8(truncatingIfNeeded: round)]) else {
                Issue.record("no echo for round \(round)")
                return
            }
            worst = max(worst, Date().timeIntervalSince(sent))
            round += 1
        }
        // A loop held by the flood answers no round while the flood lasts (all 2 s of rounds and
        // after): 1.5 s, not a latency bound (0.57 s was seen at load 16 with the loop fine).
        #expect(worst < 1.5 * testTimeScale, "worst round trip \(worst) s over \(round) rounds")
        flooding.store(false, ordering: .relaxed)
        flooder.disconnect()
    }

    @Test func deflateEchoRoundTrip() throws {
        let server = try TestServer({ $0.upgrade.deflate = DeflateConfiguration(compressionThreshold: 16) }, application: RecordingApp())
        defer { server.stop() }
        let client = try WebSocketClient(url: server.url, options: .init(deflate: true))
        #expect(client.deflate?.serverNoContextTakeover == true)
        let text = String(repeating: "compress me please ", count: 500)
        for _ in 0..<3 {
            try client.send(text: text)
            #expect(client.receiveMessage() == .text(Array(text.utf8)))
        }
        try client.send(text: "tiny")
        #expect(client.receiveMessage() == .text(Array("tiny".utf8)))
        client.close()
    }

    @Test func deflateWithContextTakeoverUsesOwnCompressor() throws {
        let server = try TestServer({
            $0.upgrade.deflate = DeflateConfiguration(serverNoContextTakeover: false, compressionThreshold: 16)
        }, application: RecordingApp())
        defer { server.stop() }
        let client = try WebSocketClient(url: server.url, options: .init(deflate: true))
        #expect(client.deflate?.serverNoContextTakeover == false)
        let text = String(repeating: "context takeover ", count: 200)
        for _ in 0..<3 {
            try client.send(text: text)
            #expect(client.receiveMessage() == .text(Array(text.utf8)))
        }
        client.close()
    }
}
