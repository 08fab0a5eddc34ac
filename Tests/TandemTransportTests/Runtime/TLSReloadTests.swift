import Foundation
import Testing
@testable import TandemTransport

/// A renewed certificate without a restart: `reloadTLS` serves the new files to connections
/// accepted afterwards, leaves open ones as they are, and keeps the old files when the new ones
/// do not load.
@Suite("Runtime: TLS certificate reload")
struct TLSReloadTests {
    @Test func newConnectionsGetTheNewCertificateOpenOnesCarryOn() throws {
        let old = try TestCertificate(days: 1), renewed = try TestCertificate(days: 90)
        defer { old.remove(); renewed.remove() }
        // The server reads its files from a directory of its own, where the renewal is copied in.
        let served = try TestCertificate()
        defer { served.remove() }
        func install(_ source: TestCertificate) throws {
            for (from, to) in [(source.certificate, served.certificate), (source.key, served.key)] {
                try Data(contentsOf: URL(fileURLWithPath: from)).write(to: URL(fileURLWithPath: to))
            }
        }
        try install(old)
        let server = try TestServer({ $0.tls = TLSConfiguration(certificatePath: served.certificate, keyPath: served.key) },
                                    application: RecordingApp())
        defer { server.stop() }
        func connect(trusting ca: TestCertificate) throws -> WebSocketClient {
            let options = WebSocketClient.Options(tls: TLSClientConfiguration(verifyPeer: true, caFilePath: ca.certificate))
            return try WebSocketClient(url: "wss://127.0.0.1:\(server.port)/", options: options)
        }
        let now = Int64(Date().timeIntervalSince1970)
        func expiresInDays() -> Int64? { server.server.tlsCertificateNotAfter.map { ($0 - now + 3_600) / 86_400 } }
        #expect(expiresInDays() == 1)
        let before = try connect(trusting: old)
        #expect(throws: (any Error).self, "the renewed certificate is not served yet") { try connect(trusting: renewed) }

        try install(renewed)
        try server.server.reloadTLS()
        #expect(expiresInDays() == 90, "the expiry follows the reload")
        #expect(throws: (any Error).self, "the old certificate is no longer served") { try connect(trusting: old) }
        let after = try connect(trusting: renewed)
        try after.send(text: "new")
        #expect(after.receiveMessage() == .text(Array("new".utf8)))
        try before.send(text: "still here")
        #expect(before.receiveMessage() == .text(Array("still here".utf8)), "a connection made before the reload carries on")

        // Half-written files (a key that does not match, then no certificate at all): refused, the
        // renewed pair stays in use.
        // Each says which file and what is wrong in words (OpenSSL's "key values mismatch" alone named no cure).
        try Data(contentsOf: URL(fileURLWithPath: old.key)).write(to: URL(fileURLWithPath: served.key))
        let mismatch = #expect(throws: TransportError.self) { try server.server.reloadTLS() }
        #expect(mismatch?.description.contains("the key \(served.key) does not load or does not match the certificate \(served.certificate)") == true,
                "\(String(describing: mismatch))")
        try Data("not a certificate".utf8).write(to: URL(fileURLWithPath: served.certificate))
        let garbled = #expect(throws: TransportError.self) { try server.server.reloadTLS() }
        #expect(garbled?.description.contains("the certificate file \(served.certificate) does not load (PEM, the server's certificate first)") == true,
                "\(String(describing: garbled))")
        #expect(expiresInDays() == 90)
        let stillRenewed = try connect(trusting: renewed)
        try stillRenewed.send(text: "ok")
        #expect(stillRenewed.receiveMessage() == .text(Array("ok".utf8)))
        for client in [before, after, stillRenewed] { #expect(client.close() == 1000) }
    }
}
