import Testing
@testable import TandemServer
@testable import TandemStore

/// The viewer page's server side: which page a link gets, and that nothing the server puts into
/// the page can become markup or break out of the script. (Tests/browser/run checks the page in Chromium.)
@Suite struct ViewerPageTests {
    func link(expires: Int64? = nil, revoked: Int64? = nil) -> ShareLink {
        ShareLink(id: "sh-1", sessionID: "s-1", permission: "read", expiresAt: expires, createdBy: "alice",
                  createdAt: 1_000, revokedAt: revoked, lastUsedAt: nil)
    }

    @Test func liveLinkGetsTheViewer() {
        let (status, html) = ViewerAssets.page(for: link(expires: 10_000), now: 9_999, nonce: "n0")
        #expect(status == 200)
        #expect(html.contains("const session = \"s-1\";"))
        // Turn text reaches the page only through textContent (prose and ``` blocks alike).
        #expect(html.contains("fillContent(content, String(t.content))"))
        #expect(html.contains("span.textContent = prose.join"))
        #expect(html.contains("inner.textContent = code.join"))
        #expect(!html.contains("innerHTML"))
        #expect(html.contains("<script nonce=\"n0\">"))
    }

    @Test func expiredRevokedAndUnknownLinksSaySo() {
        let expired = ViewerAssets.page(for: link(expires: 10_000), now: 10_000, nonce: "n")
        #expect(expired.0 == 410 && expired.1.contains("has expired"))
        let revoked = ViewerAssets.page(for: link(revoked: 5_000), now: 6_000, nonce: "n")
        #expect(revoked.0 == 410 && revoked.1.contains("was revoked"))
        let unknown = ViewerAssets.page(for: nil, now: 0, nonce: "n")
        #expect(unknown.0 == 404 && unknown.1.contains("does not exist"))
    }

    @Test func sessionIdCannotCloseTheScriptOrInjectMarkup() {
        let html = ViewerPage.viewer(session: "x</script><b>\"\\\u{2028}", nonce: "n")
        #expect(!html.contains("x</script>"))
        #expect(!html.contains("<b>"))
        #expect(html.contains("const session = \"x\\u003c/script>\\u003cb>\\\"\\\\\\u2028\";"))
        #expect(html.contains("<h1 id=\"title\" dir=\"auto\">x&lt;/script&gt;&lt;b&gt;&quot;\\"))
    }

    @Test func policyAllowsTheNoncedScriptAndWebSocketsOnly() {
        let csp = ViewerAssets.contentSecurityPolicy(nonce: "abc")
        #expect(csp.contains("default-src 'none'"))
        #expect(csp.contains("script-src 'nonce-abc';") && csp.contains("style-src 'unsafe-inline'"))
        #expect(!csp.contains("script-src 'unsafe-inline'"))
        #expect(csp.contains("connect-src 'self' ws: wss:"))
        #expect(ViewerAssets.contentSecurityPolicy(nonce: nil).contains("script-src 'none';"))
    }
}
