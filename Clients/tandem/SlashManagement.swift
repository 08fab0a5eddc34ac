import Foundation
import TandemJSON
import TandemProtocol
import TandemClientKit

/// The slash commands that manage the session rather than work in it: its description and lifecycle,
/// members, lists (comments, checkpoints, branches, templates, share links) and search.
extension InteractiveSession {
    func performManagement(_ command: SlashCommand) throws(ClientError) {
        let s = sessionID
        switch command {
        case .info:
            let info = try call(.sessionGet(SessionRef(session: s)), as: SessionResult.self).session
            screen.print(lines: renderer.sessionInfo(info))
        case .title(let title):
            _ = try call(.sessionUpdate(SessionUpdateParams(session: s, title: title)), as: SessionResult.self)
        case .metadata(let metadata):
            _ = try call(.sessionUpdate(SessionUpdateParams(session: s, metadata: metadata)), as: SessionResult.self)
        case .pause:
            _ = try call(.sessionPause(SessionRef(session: s)), as: SessionResult.self)
        case .resume:
            _ = try call(.sessionResume(SessionRef(session: s)), as: SessionResult.self)
        case .archive:
            _ = try call(.sessionArchive(SessionRef(session: s)), as: SessionResult.self)
        case .comments(let seq):
            let list = try allComments(session: s, seq: seq)
            if list.isEmpty { screen.print(renderer.notice(seq.map { "no comments on #\($0)" } ?? "no comments yet")) }
            screen.print(lines: renderer.comments(list))
        case .remove(let user):
            _ = try call(.memberRemove(MemberRemoveParams(session: s, user: user)), as: EventSeqResult.self)
        case .checkpoints:
            let list = try allCheckpoints(session: s)
            screen.print(lines: list.isEmpty ? [renderer.notice("no checkpoints yet; save one with /checkpoint NAME")]
                                             : renderer.checkpoints(list))
        case .branches:
            let list = try branches()
            screen.print(lines: list.isEmpty ? [renderer.notice("no branches of \(s) that you are a member of")]
                                             : renderer.sessions(list))
        case .template(let name):
            let result = try call(.templateSave(TemplateSaveParams(session: s, name: name)), as: TemplateResult.self)
            let name = PrintableText.line(result.template.name)
            screen.print(renderer.notice("saved template \(name); start a session from it with: tandem create --template \(name)"))
        case .templates:
            let list = try allTemplates()
            screen.print(lines: list.isEmpty ? [renderer.notice("no templates yet; save this session as one with /template NAME")]
                                             : renderer.templates(list))
        case .shares:
            let list = try allShares(session: s, includeRevoked: false)
            screen.print(lines: list.isEmpty ? [renderer.notice("no working share links; create one with /share")]
                                             : renderer.shares(list, now: Self.now()))
        case .revoke(let id):
            let link = try call(.shareRevoke(ShareRevokeParams(share: id)), as: ShareResult.self).share
            screen.print(renderer.notice("share link \(link.id) revoked; its viewers were disconnected"))
        case .search(let query):
            let result = try searchHits(query: query, status: nil, limit: Self.searchPage)
            if result.hits.isEmpty { screen.print(renderer.notice("no matches for \(PrintableText.line(query))")) }
            screen.print(lines: renderer.searchHits(result.hits))
            if result.more {
                screen.print(renderer.notice("more matches: tandem search \(PrintableText.line(query)) --limit N"))
            }
        default:
            break
        }
        // Title, metadata, status and member changes need no line of their own: the server's event
        // for them reaches this view as it reaches every other member's (the rule: `perform`).
    }

    /// `/delete --yes` and `/discard --yes`. The server unsubscribes everyone once the session is
    /// gone, so the view has nothing left to follow and closes.
    func performDeletion(_ command: SlashCommand) throws(ClientError) {
        // Before the request: the `deleted` event may arrive ahead of the answer.
        state.withLock { $0.deleting = true }
        do {
            try requestDeletion(command)
        } catch {
            state.withLock { $0.deleting = false }
            throw error
        }
    }

    private func requestDeletion(_ command: SlashCommand) throws(ClientError) {
        let s = sessionID
        if command == .discard {
            _ = try call(.branchDiscard(SessionRef(session: s)), as: EmptyResult.self)
            screen.print(renderer.notice("branch \(s) discarded"))
        } else {
            _ = try call(.sessionDelete(SessionRef(session: s)), as: EmptyResult.self)
            screen.print(renderer.notice("session \(s) deleted"))
        }
    }

    /// Branches of this session that the user belongs to, every page of them.
    private func branches() throws(ClientError) -> [SessionInfo] {
        var found: [SessionInfo] = []
        var cursor: String?
        repeat {
            let params = SessionListParams(parent: sessionID, page: Page(cursor: cursor, limit: 1000))
            let page = try call(.sessionList(params), as: SessionListResult.self)
            found += page.sessions
            cursor = page.nextCursor
        } while cursor != nil
        return found
    }

    static let searchPage: Int64 = 20

    static func now() -> Timestamp { Timestamp(Date().timeIntervalSince1970 * 1000) }
}
