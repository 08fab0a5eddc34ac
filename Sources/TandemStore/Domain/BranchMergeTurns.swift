/// The turn half of a branch merge: the branch's live turns after the fork point, appended to the
/// parent in order, each with what belongs to it. A merged turn keeps its author, content,
/// metadata, tokens and nonce, and takes the comments made on it in the branch (renumbered to its
/// seq in the parent, each with a `comment` event after the turn's own). What moves counts in the
/// parent and no longer in the archived branch (turns, tokens, comments): a user's totals over all
/// their sessions count each piece of work once.
enum BranchMergeTurns {
    static func append(_ ctx: WriteContext, branch: Int64, parent: Int64, parentID: String,
                       forkSeq: Int64) throws(StoreError) -> BranchMergeTally {
        // A chunk at a time: the one-job merge of a branch without a fork mark may take any
        // number of turns in its one transaction, and only a chunk of them is ever loaded.
        var merged = BranchMergeTally(keep: 0)
        var after = forkSeq
        while true {
            let (chunk, last) = try append(ctx, branch: branch, parent: parent, parentID: parentID, after: after, limit: chunkTurns)
            merged.add(chunk)
            guard let last, chunk.turnCount == Int64(chunkTurns) else { return merged }
            after = last
        }
    }

    /// Turns loaded at once by the one-job merge.
    static let chunkTurns = 1_000

    /// The first `limit` of those turns after branch seq `after` (a merge's step), tallied (their
    /// seqs in the parent, not the turns: nothing keeps them past the step); `last`: the branch
    /// seq of the last one taken (nil: none was left).
    static func append(_ ctx: WriteContext, branch: Int64, parent: Int64, parentID: String,
                       after: Int64, limit: Int) throws(StoreError) -> (turns: BranchMergeTally, last: Int64?) {
        let db = ctx.db
        let branchTurns = try Turns.live(db, sid: branch, sessionID: parentID,
                                         retired: try TurnRetirements.load(db, sid: branch), after: after, limit: limit)
        var appended = BranchMergeTally(keep: 0)
        for t in branchTurns {
            let (seq, eventSeq) = try ctx.reserve(sid: parent, turns: 1, events: 1)
            // A nonce is unique per session and author: when the parent already has this one (the
            // same post made there too), the copy goes without it rather than failing the merge.
            var nonce = t.nonce
            if let given = nonce, try db.scalar("SELECT 1 FROM turns WHERE sid = ? AND author = ? AND nonce = ?",
                                                [.integer(parent), .text(t.author), .text(given)]) != nil {
                nonce = nil
            }
            try Turns.insert(db, sid: parent, seq: seq, role: t.role.rawValue, author: t.author, content: t.content,
                             metadata: t.metadata.serialized(), tokensIn: t.tokensIn, tokensOut: t.tokensOut,
                             createdAt: ctx.now, state: 0, eventSeq: eventSeq, nonce: nonce)
            ctx.count(sid: parent, user: t.author, ContributionCounts(turns: 1, tokensIn: t.tokensIn, tokensOut: t.tokensOut))
            ctx.count(sid: branch, user: t.author, ContributionCounts(turns: -1, tokensIn: -t.tokensIn, tokensOut: -t.tokensOut))
            try carryComments(ctx, branch: branch, parent: parent, from: t.seq, to: seq)
            appended.addTurn(seq: seq)
        }
        return (appended, branchTurns.last?.seq)
    }

    /// Copies the comments on branch turn `from` to parent turn `to`, oldest first, dated like the
    /// merged turn (now: a comment older than its turn would read oddly), each recorded as the
    /// parent's own `comment` event by its author.
    private static func carryComments(_ ctx: WriteContext, branch: Int64, parent: Int64, from: Int64, to: Int64) throws(StoreError) {
        let db = ctx.db
        let comments = try db.query("SELECT author, body FROM comments WHERE sid = ? AND turn_seq = ? ORDER BY id",
                                    [.integer(branch), .integer(from)]) { ($0.text(0), $0.text(1)) }
        for (author, body) in comments {
            try Quotas.requireCommentRoom(ctx, sid: parent)
            try db.run("INSERT INTO comments(sid, turn_seq, author, body, created_at) VALUES (?,?,?,?,?)",
                       [.integer(parent), .integer(to), .text(author), .text(body), .integer(ctx.now)])
            let id = db.lastInsertRowID
            _ = try ctx.recordEvent(sid: parent, kind: "comment", actor: author, turnSeq: to,
                                    data: ["id": .integer(id), "body": .string(body)])
            ctx.count(sid: parent, user: author, ContributionCounts(comments: 1))
            ctx.count(sid: branch, user: author, ContributionCounts(comments: -1))
        }
    }
}
