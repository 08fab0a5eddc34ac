import Foundation
import Testing
@testable import TandemTransport

/// An operator's `curl http://host:port/healthz` against a tandemd serving TLS got "Empty reply from
/// server": the socket closed without a word. It now gets a 400 naming the scheme to use.
@Suite struct PlainHTTPOnTLSPortTests {
    @Test func aPlainHTTPRequestOnTheTLSPortIsToldToUseTLS() throws {
        let certificate = try TestCertificate()
        defer { certificate.remove() }
        let server = try TestServer({ $0.tls = TLSConfiguration(certificatePath: certificate.certificate, keyPath: certificate.key) },
                                    application: RecordingApp())
        defer { server.stop() }
        let socket = try RawSocket(port: server.port)
        socket.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        let answer = String(decoding: socket.readAll(timeout: 3), as: UTF8.self)
        #expect(answer.hasPrefix("HTTP/1.1 400 "), "\(answer)")
        #expect(answer.contains("this port speaks TLS only: use https:// or wss://"), "\(answer)")
        // TLS clients are served as before.
        let options = WebSocketClient.Options(tls: TLSClientConfiguration(verifyPeer: true, caFilePath: certificate.certificate))
        let client = try WebSocketClient(url: "wss://127.0.0.1:\(server.port)/", options: options)
        #expect(client.close() == 1000)
    }
}
