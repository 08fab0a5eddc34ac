import Testing
import TandemTransport
@testable import TandemServer

@Suite struct CredentialTests {
    private func credential(_ target: String, headers: [String] = []) throws -> Result<Credential, Credential.Problem> {
        var parser = HTTPRequestParser()
        let head = "GET \(target) HTTP/1.1\r\nHost: x\r\n" + headers.map { $0 + "\r\n" }.joined() + "\r\n"
        let request = try #require(try parser.feed(Array(head.utf8)))
        return Credential.from(request)
    }

    @Test func exactlyOneCredentialIsTaken() throws {
        #expect(try credential("/ws?token=T") == .success(.token("T")))
        #expect(try credential("/ws", headers: ["Authorization: Bearer T"]) == .success(.token("T")))
        #expect(try credential("/s/S") == .success(.shareSecret("S")))
        #expect(try credential("/ws?share=S&other=1&other=2") == .success(.shareSecret("S")))
        #expect(try credential("/ws") == .failure(.missing))
        #expect(try credential("/ws?token=T", headers: ["Authorization: Bearer T"]) == .failure(.several))
        #expect(try credential("/s/S?share=S") == .failure(.several))
        // A repeated parameter is ambiguous even with one value twice: which one a proxy logs or
        // checks is not which one the server uses.
        #expect(try credential("/ws?token=T&token=BAD") == .failure(.several))
        #expect(try credential("/ws?token=T&token=T") == .failure(.several))
        #expect(try credential("/ws?share=S&share=BAD") == .failure(.several))
        #expect(try credential("/ws", headers: ["Authorization: Basic x"]) == .failure(.malformed))
    }

    /// Logged paths: the endpoints as they are, anything that may hold a secret cut.
    @Test func pathsAreLoggedWithoutWhatMayBeASecret() {
        let cases = [("/", "/"), ("/ws", "/ws"), ("/healthz", "/healthz"), ("/metrics", "/metrics"), ("/s", "/s"),
                     ("/s/SECRET", "/s/<redacted>"), ("/s/SECRET/", "/s/<redacted>"), ("/s/SECRET/x", "/s/<redacted>"),
                     ("/S/SECRET", "/S/<redacted>"), ("/ws/tdm_TOKEN", "/ws/<redacted>"), ("/metrics/x", "/metrics/<redacted>"),
                     ("/tdm_TOKEN", "/<redacted>"), ("/favicon.ico", "/<redacted>"), ("//s/SECRET", "/<redacted>")]
        for (path, logged) in cases { #expect(Redact.path(path) == logged, "\(path)") }
    }
}
