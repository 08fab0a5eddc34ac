import TandemJSON

extension Store {
    /// On a database without users: creates the user `id` and a token for it, and hands the token's
    /// secret to `keep` (which writes it where the operator finds it) before either is committed, all
    /// in one transaction. Nil when the database already has a user.
    ///
    /// So a first start that fails anywhere (a full disk at the commit, a token file that could not be
    /// written) leaves no owner account behind: the next start makes one again and shows its token.
    /// Made in two commits, a start whose token file failed left an account no one held a token for,
    /// and the next start, seeing a user, made none.
    public func createFirstOwner(id: String, displayName: String, tokenLabel: String,
                                 keep: @escaping @Sendable (String) throws(StoreError) -> Void) throws(StoreError) -> IssuedToken? {
        try Validate.identifier(id, what: "user id")
        let secret = RandomID.secret(prefix: "tdm_")
        let tokenID = RandomID.make()
        return try write { ctx throws(StoreError) -> IssuedToken? in
            let db = ctx.db
            guard try db.scalar("SELECT 1 FROM users LIMIT 1") == nil else { return nil }
            try db.run("INSERT INTO users(id, display_name, created_at) VALUES (?,?,?)",
                       [.text(id), .text(displayName), .integer(ctx.now)])
            try db.audit(actor: "system", action: "user.add", sessionID: nil, target: id, now: ctx.now)
            try db.run("INSERT INTO api_tokens(id, user_id, hash, label, created_at) VALUES (?,?,?,?,?)",
                       [.text(tokenID), .text(id), .text(RandomID.hash(secret)), .text(tokenLabel), .integer(ctx.now)])
            try db.audit(actor: "system", action: "token.issue", sessionID: nil, target: tokenID,
                         detail: ["user": .string(id), "label": .string(tokenLabel)], now: ctx.now)
            try keep(secret)
            return IssuedToken(token: APIToken(id: tokenID, userID: id, label: tokenLabel, createdAt: ctx.now,
                                               revokedAt: nil, lastUsedAt: nil), secret: secret)
        }
    }
}
