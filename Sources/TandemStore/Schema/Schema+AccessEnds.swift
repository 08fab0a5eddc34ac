extension Schema {
    /// When access ends without a removal: a token's expiry (`tokens issue --expires`, and the
    /// grace of `tokens rotate`) and a user's suspension (`users disable`, undone by `users enable`).
    /// Both are read with the token at a handshake (one row, the lookup that was there already), so
    /// neither costs a query of its own; both NULL for rows written before.
    static let accessEnds = """
        ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;
        ALTER TABLE users ADD COLUMN disabled_at INTEGER;
        """
}
