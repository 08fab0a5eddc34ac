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
        let (status, html) = ViewerAssets.page(for: link(expires: 10_000), now: 9_999, nonce: "n0", maxTurns: 1_000)
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
        let expired = ViewerAssets.page(for: link(expires: 10_000), now: 10_000, nonce: "n", maxTurns: 1_000)
        #expect(expired.0 == 410 && expired.1.contains("has expired"))
        let revoked = ViewerAssets.page(for: link(revoked: 5_000), now: 6_000, nonce: "n", maxTurns: 1_000)
        #expect(revoked.0 == 410 && revoked.1.contains("was revoked"))
        let unknown = ViewerAssets.page(for: nil, now: 0, nonce: "n", maxTurns: 1_000)
        // An unknown secret may be a link whose session was deleted: the page says so as well as "mistyped".
        #expect(unknown.0 == 404 && unknown.1.contains("no longer available, or never existed")
                && unknown.1.contains("session may have been deleted"))
    }

    @Test func sessionIdCannotCloseTheScriptOrInjectMarkup() {
        let html = ViewerPage.viewer(session: "x</script><b>\"\\\u{2028}", nonce: "n", maxTurns: 1_000)
        #expect(!html.contains("x</script>"))
        #expect(!html.contains("<b>"))
        #expect(html.contains("const session = \"x\\u003c/script>\\u003cb>\\\"\\\\\\u2028\";"))
        #expect(html.contains("<h1 id=\"title\" dir=\"auto\">x&lt;/script&gt;&lt;b&gt;&quot;\\"))
    }

    @Test func policyAllowsTheNoncedScriptAndItsOwnOriginOnly() {
        let csp = ViewerAssets.contentSecurityPolicy(nonce: "abc")
        #expect(csp.contains("default-src 'none'"))
        #expect(csp.contains("script-src 'nonce-abc';") && csp.contains("style-src 'unsafe-inline'"))
        #expect(!csp.contains("script-src 'unsafe-inline'"))
        // Connections to the page's own origin only ('self' covers its ws:/wss: in CSP 3): no other host.
        #expect(csp.contains("connect-src 'self';"))
        #expect(!csp.contains("ws:") && !csp.contains("wss:") && !csp.contains("*"))
        #expect(ViewerAssets.contentSecurityPolicy(nonce: nil).contains("script-src 'none';"))
    }

    /// What readers need is in the served markup, not added by script: a live region created late is
    /// not announced by every screen reader, and the notice pages run no script at all.
    @Test func pagesCarryWhatEveryReaderNeeds() {
        let viewer = ViewerAssets.page(for: link(), now: 0, nonce: "n0", maxTurns: 1_000).1
        let notice = ViewerAssets.page(for: nil, now: 0, nonce: "n0", maxTurns: 1_000).1
        for html in [viewer, notice] {
            #expect(html.contains("<html lang=\"en\">"))
            #expect(html.contains("name=\"viewport\" content=\"width=device-width"))
            #expect(html.contains("@media (prefers-color-scheme:dark)"))
            #expect(html.contains("<header>") && html.contains("<main>") && html.contains("<h1"))
        }
        #expect(viewer.contains("<div id=\"announce\" class=\"sr-only\" aria-live=\"polite\" aria-atomic=\"true\"></div>"))
        #expect(viewer.contains("<span role=\"status\" aria-atomic=\"true\"><span class=\"sr-only\">Connection: </span>"))
        #expect(viewer.contains("<h2 class=\"sr-only\" id=\"turns-heading\">Turns</h2>"))
        // The turns themselves are no live region: a joined or reloaded log would be read out whole.
        #expect(viewer.contains("<section id=\"turns\" aria-labelledby=\"turns-heading\"></section>"))
        #expect(!viewer.contains("role=\"log\""))
    }
}
