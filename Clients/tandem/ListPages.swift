import TandemProtocol

/// Every item of a paged list (comments, checkpoints, share links, templates, members,
/// contributions): the server answers
/// a page at a time (at most 1000 items and `max-page-bytes`), with `more` when items are left;
/// `fetch` asks for the page after the item it is given (nil: the first).
func readAllPages<Item, E: Error>(_ fetch: (_ after: Item?) throws(E) -> (items: [Item], more: Bool)) throws(E) -> [Item] {
    var items: [Item] = []
    var after: Item? = nil
    while true {
        let page = try fetch(after)
        items += page.items
        // A page is never empty while items are left; an empty one with `more` would loop forever.
        guard page.more, let last = page.items.last else { return items }
        after = last
    }
}

/// What can ask the server for a page: a `Connection` (the subcommands) or the interactive view.
protocol PageCaller {
    func requestPage<R: WireObject>(_ operation: TandemProtocol.Operation, as type: R.Type) throws(ClientError) -> R
}

extension Connection: PageCaller {
    func requestPage<R: WireObject>(_ operation: TandemProtocol.Operation, as type: R.Type) throws(ClientError) -> R {
        try call(operation, as: type)
    }
}

extension InteractiveSession: PageCaller {
    func requestPage<R: WireObject>(_ operation: TandemProtocol.Operation, as type: R.Type) throws(ClientError) -> R {
        try call(operation, as: type)
    }
}

/// The lists, each read to the end.
extension PageCaller {
    func allComments(session: String, seq: Int64?) throws(ClientError) -> [CommentDTO] {
        try readAllPages { (after: CommentDTO?) throws(ClientError) in
            let page = try requestPage(.commentList(CommentListParams(session: session, seq: seq, after: after?.id)), as: CommentListResult.self)
            return (page.comments, page.more)
        }
    }

    func allCheckpoints(session: String) throws(ClientError) -> [Checkpoint] {
        try readAllPages { (after: Checkpoint?) throws(ClientError) in
            let page = try requestPage(.checkpointList(CheckpointListParams(session: session, after: after?.name)), as: CheckpointListResult.self)
            return (page.checkpoints, page.more)
        }
    }

    /// One checkpoint's key → version map, in key order.
    func allCheckpointRows(session: String, name: String) throws(ClientError) -> [CheckpointRow] {
        try readAllPages { (after: CheckpointRow?) throws(ClientError) in
            let page = try requestPage(.checkpointGet(CheckpointGetParams(session: session, name: name, after: after?.key)), as: CheckpointGetResult.self)
            return (page.rows, page.more)
        }
    }

    func allShares(session: String, includeRevoked: Bool) throws(ClientError) -> [ShareLink] {
        try readAllPages { (after: ShareLink?) throws(ClientError) in
            let page = try requestPage(.shareList(ShareListParams(session: session, includeRevoked: includeRevoked, after: after?.id)),
                                       as: ShareListResult.self)
            return (page.shares, page.more)
        }
    }

    /// A session's members, strongest role first, then by user id (the server pages them by user
    /// id; a session may have 10,000, read 1000 at a time).
    func allMembers(session: String) throws(ClientError) -> [Member] {
        let members = try readAllPages { (after: Member?) throws(ClientError) in
            let page = try requestPage(.memberList(MemberListParams(session: session, after: after?.user)), as: MemberListResult.self)
            return (page.members, page.more)
        }
        return members.sorted { ($0.role, $1.user) > ($1.role, $0.user) }
    }

    /// Contributions per user of a session (by user id), or per session of a user (in the order
    /// the sessions were created): `params`' `after` is set page by page to the key of that order.
    func allContributions(_ params: ContributionsParams) throws(ClientError) -> [Contribution] {
        try readAllPages { (after: Contribution?) throws(ClientError) in
            var page = params
            page.after = after.map { params.session == nil ? $0.session : $0.user }
            let result = try requestPage(.contributions(page), as: ContributionsResult.self)
            return (result.contributions, result.more)
        }
    }

    func allTemplates() throws(ClientError) -> [TemplateInfo] {
        try readAllPages { (after: TemplateInfo?) throws(ClientError) in
            let page = try requestPage(.templateList(TemplateListParams(after: after?.name)), as: TemplateListResult.self)
            return (page.templates, page.more)
        }
    }
}

extension PageCaller {
    /// Up to `limit` search hits, asking page after page: a page that reached the server's
    /// `max-search-scan` ends early (fewer hits, even none) with a cursor to go on from. `more`
    /// when hits may be left.
    func searchHits(query: String, status: SessionStatus?, limit: Int64) throws(ClientError) -> (hits: [SearchHit], more: Bool) {
        var hits: [SearchHit] = []
        var cursor: String? = nil
        repeat {
            let page = try requestPage(.sessionSearch(SessionSearchParams(query: query, status: status,
                                                                         page: Page(cursor: cursor, limit: limit - Int64(hits.count)))),
                                       as: SearchResult.self)
            hits += page.hits
            cursor = page.nextCursor
        } while cursor != nil && hits.count < limit
        return (hits, cursor != nil)
    }
}
