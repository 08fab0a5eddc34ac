import TandemProtocol
import TandemStore

extension Dispatcher {
    func listMembers(_ p: MemberListParams, client: ClientConnection) throws -> MemberListResult {
        let actor = try actor(client, session: p.session, op: .memberList)
        let online = Set(live.existing(p.session)?.onlineUsers ?? [])
        let page = try store.memberPage(session: p.session, actor: actor, after: p.after, limit: pageLimit(p.limit), budget: pageBudget)
        let members = page.members.map { listed in
            TandemProtocol.Member(user: listed.member.userID, name: listed.displayName, role: TandemProtocol.Role(listed.member.role),
                                  added: listed.member.addedAt, online: online.contains(listed.member.userID))
        }
        return MemberListResult(members: members, more: page.more)
    }

    func setMember(_ p: MemberRoleParams, adding: Bool, client: ClientConnection) throws -> MemberResult {
        let user = try memberUser(client)
        // The caller's standing first: nothing about the target's membership may reach a
        // non-member (not_found) or a member without the role for this (forbidden).
        guard let callerRole = try store.role(session: p.session, user: user) else {
            throw DispatchFailure(code: .notFound, message: "session \(p.session) not found")
        }
        guard Permissions.allows(role: callerRole, operation: adding ? .membersAdd : .membersSetRole) else {
            throw DispatchFailure(code: .forbidden, message: "changing members needs the admin role")
        }
        let existing = try store.role(session: p.session, user: p.user)
        if adding, existing != nil {
            throw DispatchFailure(code: .alreadyExists, message: "\(p.user) is already a member; use member.set_role")
        }
        if !adding, existing == nil {
            throw DispatchFailure(code: .notFound, message: "\(p.user) is not a member of \(p.session)")
        }
        let eseq = try store.setMember(session: p.session, actor: user, user: p.user, role: p.role.store)
        publishFromLog(p.session)
        let listed = try store.listedMember(session: p.session, actor: user, user: p.user)
        let online = live.existing(p.session)?.onlineUsers.contains(p.user) ?? false
        return MemberResult(member: TandemProtocol.Member(
            user: p.user, name: listed?.displayName ?? p.user, role: p.role,
            added: listed?.member.addedAt ?? 0, online: online), eseq: eseq)
    }

    func removeMember(_ p: MemberRemoveParams, client: ClientConnection) throws -> EventSeqResult {
        let user = try memberUser(client)
        let eseq = try store.removeMember(session: p.session, actor: user, user: p.user)
        removed(p.user, from: p.session)
        return EventSeqResult(eseq: eseq)
    }

    func addComment(_ p: CommentAddParams, client: ClientConnection) throws -> CommentResult {
        let user = try memberUser(client)
        let comment = try store.addComment(session: p.session, actor: user, turnSeq: p.seq, body: p.text)
        publishFromLog(p.session)
        return CommentResult(comment: CommentDTO(comment), eseq: comment.eventSeq ?? 0)
    }

    func listComments(_ p: CommentListParams, client: ClientConnection) throws -> CommentListResult {
        let actor = try actor(client, session: p.session, op: .commentList)
        // A share link shows what history shows: no comments on turns undone, cleared or rewound.
        let isViewer = if case .viewer = client.identity { true } else { false }
        let page = try store.commentPage(session: p.session, actor: actor, turnSeq: p.seq, after: p.after ?? 0, liveTurnsOnly: isViewer,
                                         limit: pageLimit(p.limit), budget: pageBudget)
        return CommentListResult(comments: page.comments.map(CommentDTO.init), more: page.more)
    }

    func contributions(_ p: ContributionsParams, client: ClientConnection) throws -> ContributionsResult {
        let user = try memberUser(client)
        if let session = p.session {
            let page = try store.contributionPage(session: session, actor: user, user: p.user, after: p.after,
                                                  limit: pageLimit(p.limit), budget: pageBudget)
            return ContributionsResult(contributions: page.contributions.map(TandemProtocol.Contribution.init), more: page.more)
        }
        // Across sessions: one's own figures only, unless asking about oneself anyway.
        let target = p.user ?? user
        guard target == user else {
            throw DispatchFailure(code: .forbidden, message: "contributions of another user are visible per session only", field: "user")
        }
        let page = try store.contributionPage(user: target, after: p.after, limit: pageLimit(p.limit), budget: pageBudget)
        return ContributionsResult(contributions: page.contributions.map(TandemProtocol.Contribution.init), more: page.more)
    }
}
