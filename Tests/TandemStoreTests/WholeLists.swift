import TandemStore

/// The whole member and contribution lists the tests compare against, read page by page as the
/// wire reads them (the store offers only pages: a session may have 10,000 members).
extension Store {
    /// Every member, strongest role first, then by user id.
    func members(session: String, actor: String) throws(StoreError) -> [Member] {
        var all: [Member] = []
        var after: String?
        while true {
            let page = try memberPage(session: session, actor: actor, after: after, limit: 1000, budget: .unlimited)
            all += page.members.map(\.member)
            guard page.more, let last = page.members.last else { break }
            after = last.member.userID
        }
        return all.sorted { ($0.role.rank, $1.userID) > ($1.role.rank, $0.userID) }
    }

    /// Every per-member counter of `session`, by user id.
    func contributions(session: String, actor: String) throws(StoreError) -> [Contribution] {
        var all: [Contribution] = []
        var after: String?
        while true {
            let page = try contributionPage(session: session, actor: actor, after: after, limit: 1000, budget: .unlimited)
            all += page.contributions
            guard page.more, let last = page.contributions.last else { break }
            after = last.userID
        }
        return all
    }

    /// `user`'s counters in every session they are a member of, by session id.
    func contributions(user: String) throws(StoreError) -> [Contribution] {
        var all: [Contribution] = []
        var after: String?
        while true {
            let page = try contributionPage(user: user, after: after, limit: 1000, budget: .unlimited)
            all += page.contributions
            guard page.more, let last = page.contributions.last else { break }
            after = last.sessionID
        }
        return all.sorted { $0.sessionID < $1.sessionID }
    }
}
