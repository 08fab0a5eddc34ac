import Foundation
import TandemProtocol
import TandemStore

extension Dispatcher {
    func createShare(_ p: ShareCreateParams, client: ClientConnection) throws -> ShareCreateResult {
        let user = try memberUser(client)
        let expiry: ShareLinkExpiry
        switch p.expiry {
        case .inSeconds(let seconds):
            // Counted by the store from the link's own `created`, so `expires` = `created` + expires_in
            // exactly (a clock read here, before the write queue, made it a few ms short).
            // expires_in is bounded when parsed.
            expiry = .after(milliseconds: seconds * 1000)
        case .at(let at):
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            guard at > now else {
                throw DispatchFailure(code: .invalidArgument, message: "the expiry must lie in the future", field: "expires_at")
            }
            // An absolute time is bounded here, against the clock.
            guard at - now <= limits.maxShareLifetimeSeconds * 1000 else {
                throw DispatchFailure(code: .invalidArgument,
                                      message: "the expiry must lie within \(limits.maxShareLifetimeSeconds / 86_400) days", field: "expires_at")
            }
            expiry = .at(at)
        }
        let issued = try store.createShareLink(session: p.session, actor: user, expiry: expiry)
        // The full link when the operator said where the server is reached (behind a proxy it cannot know).
        let base = configuration.publicURL == nil ? "" : configuration.effectivePublicURL
        return ShareCreateResult(share: TandemProtocol.ShareLink(issued.link), secret: issued.secret, url: "\(base)/s/\(issued.secret)")
    }

    func listShares(_ p: ShareListParams, client: ClientConnection) throws -> ShareListResult {
        let user = try memberUser(client)
        let page = try store.shareLinkPage(session: p.session, actor: user, includeRevoked: p.includeRevoked, after: p.after,
                                           limit: pageLimit(p.limit), budget: pageBudget)
        return ShareListResult(shares: page.links.map(TandemProtocol.ShareLink.init), more: page.more)
    }

    /// Revokes a link by its id; the watcher closes its live viewers (4403) within a second.
    func revokeShare(_ p: ShareRevokeParams, client: ClientConnection) throws -> ShareResult {
        let user = try memberUser(client)
        guard let link = try store.shareLinks(ids: [p.share])[p.share] else {
            throw DispatchFailure(code: .notFound, message: "share link \(p.share) not found", field: "share")
        }
        do throws(StoreError) {
            try store.revokeShareLink(session: link.sessionID, actor: user, linkID: p.share)
        } catch {
            // A link of a session one is no member of is one the caller cannot see: the answer
            // must not name its session (nor for one removed from it: the link may be newer).
            guard error.kind != .notMember, error.kind != .removedMember else {
                throw DispatchFailure(code: .notFound, message: "share link \(p.share) not found", field: "share")
            }
            throw error
        }
        guard let revoked = try store.shareLinks(ids: [p.share])[p.share] else {
            throw DispatchFailure(code: .notFound, message: "share link \(p.share) not found", field: "share")
        }
        return ShareResult(share: TandemProtocol.ShareLink(revoked))
    }
}
