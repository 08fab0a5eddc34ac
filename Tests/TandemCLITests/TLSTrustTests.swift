import Foundation
import Testing
import TandemServer

/// `tandem` against a wss:// server whose certificate is self-signed: the refusal says the
/// certificate is not trusted and how to trust it (not "is tandemd running?"), and trusting it
/// through SSL_CERT_FILE, as `tandem --help` says, connects.
@Suite struct TLSTrustTests {
    @Test func anUntrustedCertificateIsExplainedAndSSLCertFileTrustsIt() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        let cert = f.directory.appendingPathComponent("cert.pem").path
        let key = f.directory.appendingPathComponent("key.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                             "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                             "-addext", "subjectAltName=IP:127.0.0.1"]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        try #require(openssl.terminationStatus == 0)

        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.databasePath = f.directory.appendingPathComponent("tls.db").path
        configuration.tlsCertificatePath = cert
        configuration.tlsKeyPath = key
        let server = try TandemServer(configuration: configuration)
        let port = try server.start()
        defer { server.shutdown(grace: 1) }
        _ = try server.store.createUser(id: "alice", displayName: "Alice")
        let token = try server.store.createToken(userID: "alice", label: "test").secret

        func whoami(_ environment: [String: String]) throws -> CLIFixture.Run {
            let out = f.directory.appendingPathComponent("out-\(UUID().uuidString)").path
            let err = f.directory.appendingPathComponent("err-\(UUID().uuidString)").path
            let child = try Spawned(CLIFixture.binary, ["whoami", "--url", "wss://127.0.0.1:\(port)/ws", "--token", token],
                                    environment: environment, stdoutPath: out, stderrPath: err)
            let status = child.wait(timeout: 20)
            return CLIFixture.Run(status: status, stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                                  stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
        }
        var environment = f.environment
        environment["SSL_CERT_FILE"] = f.directory.appendingPathComponent("no-such-bundle.pem").path
        let untrusted = try whoami(environment)
        #expect(untrusted.status == 4)
        #expect(untrusted.stderr.contains("certificate") && untrusted.stderr.contains("not trusted"), "\(untrusted.stderr)")
        #expect(untrusted.stderr.contains("SSL_CERT_FILE"), "\(untrusted.stderr)")
        #expect(!untrusted.stderr.contains("is tandemd running"), "\(untrusted.stderr)")
        #expect(untrusted.stderr.split(separator: "\n").count == 1, "one line: \(untrusted.stderr)")

        environment["SSL_CERT_FILE"] = cert
        let trusted = try whoami(environment)
        #expect(trusted.status == 0 && trusted.stdout.hasPrefix("alice at wss://127.0.0.1:"), "\(trusted.stderr)")
    }
}
