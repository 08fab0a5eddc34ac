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
        return try write { ctx throws(StoreError) -> IssuedToken? in
            guard try ctx.db.scalar("SELECT 1 FROM users LIMIT 1") == nil else { return nil }
            _ = try Self.insertUser(ctx, id: id, displayName: displayName, actor: "system")
            let issued = try Self.insertToken(ctx, userID: id, label: tokenLabel, actor: "system")
            try keep(issued.secret)
            return issued
        }
    }
}
