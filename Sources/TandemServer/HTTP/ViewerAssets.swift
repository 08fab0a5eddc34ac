import Foundation
import TandemStore
import TandemTransport

/// The browser viewer of share links: `GET /s/SECRET` answers the page (or a page saying the
/// link expired or was revoked); the page then opens a WebSocket on its own URL.
struct ViewerAssets: Sendable {
    let store: Store

    func respond(to request: HTTPRequest) -> HTTPResponse? {
        guard let secret = Credential.sharePathSecret(request.path) else { return nil }
        let link = try? store.lookupShareLink(secret: secret)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let headers = [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store"),
                       ("Referrer-Policy", "no-referrer"), ("X-Content-Type-Options", "nosniff"),
                       ("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'")]
        guard let link else {
            return HTTPResponse(status: 404, headers: headers, body: Array(ViewerPage.notice(title: "Link not found",
                text: "This share link does not exist. Ask whoever sent it for a new one.").utf8))
        }
        if link.revokedAt != nil {
            return HTTPResponse(status: 410, headers: headers, body: Array(ViewerPage.notice(title: "Link revoked",
                text: "This share link was revoked. Ask whoever sent it for a new one.").utf8))
        }
        if let expires = link.expiresAt, expires <= now {
            return HTTPResponse(status: 410, headers: headers, body: Array(ViewerPage.notice(title: "Link expired",
                text: "This share link has expired. Ask whoever sent it for a new one.").utf8))
        }
        return HTTPResponse(status: 200, headers: headers, body: Array(ViewerPage.viewer(session: link.sessionID).utf8))
    }
}
