import Foundation
import TandemStore
import TandemTransport

/// The browser viewer of share links: `GET /s/SECRET` answers the page (or a page saying the
/// link expired, was revoked, or is unknown: gone with its deleted session, or never issued); the
/// page then opens a WebSocket on its own URL.
/// `HEAD` gets the same status and headers without the body (HTTPRoutes drops it).
/// The lookup waits at most `readWait` seconds for a database reader (then 503 busy, see
/// `HTTPRoutes.busy`); it runs on the work pool.
struct ViewerAssets: Sendable {
    let store: Store
    let readWait: Double
    /// Turns the page keeps (`max-viewer-turns`).
    let maxTurns: Int

    /// What a page may do: run only the inline script carrying this response's `nonce` (so even
    /// markup that slipped into the page could run nothing, inline handlers included), use its
    /// inline style, and open WebSockets/fetches to this page's own origin only (`'self'`, which covers
    /// `ws:`/`wss:` of the same host and port in CSP 3: Chromium, Firefox, Safari 15.4+), so even a
    /// script that got in could send nothing to another host. Notice pages (no nonce) run no script.
    static func contentSecurityPolicy(nonce: String?) -> String {
        let script = nonce.map { "'nonce-\($0)'" } ?? "'none'"
        return "default-src 'none'; script-src \(script); style-src 'unsafe-inline'; img-src data:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }

    func respond(to request: HTTPRequest) -> HTTPResponse? {
        guard let secret = Credential.sharePathSecret(request.path) else { return nil }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        // A fresh random nonce per response (UUID v4: 122 bits from the system generator).
        let nonce = UUID().uuidString
        let link: ShareLink?
        do throws(StoreError) {
            link = try store.lookupShareLink(secret: secret, readerWait: readWait)
        } catch {
            // Busy is no answer about the link: say so and let the browser retry. Any other
            // failure keeps its old answer, the page for an unknown link.
            if error.kind == .busy { return HTTPRoutes.busy(error.message) }
            link = nil
        }
        let (status, html) = Self.page(for: link, now: now, nonce: nonce, maxTurns: maxTurns)
        let body = Array(html.utf8)
        let headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", String(body.count)),
                       ("Connection", "close"), ("Cache-Control", "no-store"),
                       ("Referrer-Policy", "no-referrer"), ("X-Content-Type-Options", "nosniff"),
                       ("Content-Security-Policy", Self.contentSecurityPolicy(nonce: status == 200 ? nonce : nil))]
        return HTTPResponse(status: status, reason: status == 410 ? "Gone" : nil, headers: headers, body: body)
    }

    /// The status and page for a looked-up link (nil: unknown secret). An unknown secret may be a
    /// link whose session was deleted (its links went with it) or one never issued (mistyped, cut
    /// short): the server keeps nothing of deleted links to tell them apart, so the page says both.
    /// The viewer keeps at most `maxTurns` turns on its page.
    static func page(for link: ShareLink?, now: Int64, nonce: String, maxTurns: Int) -> (Int, String) {
        guard let link else {
            return (404, ViewerPage.notice(title: "Link not available",
                text: "This share link is no longer available, or never existed: its session may have been deleted, "
                    + "or the link may be incomplete. Check that you copied all of it, or ask whoever sent it for a new one."))
        }
        if link.revokedAt != nil {
            return (410, ViewerPage.notice(title: "Link revoked",
                text: "This share link was revoked. Ask whoever sent it for a new one."))
        }
        if let expires = link.expiresAt, expires <= now {
            return (410, ViewerPage.notice(title: "Link expired",
                text: "This share link has expired. Ask whoever sent it for a new one."))
        }
        return (200, ViewerPage.viewer(session: link.sessionID, nonce: nonce, maxTurns: maxTurns))
    }
}
