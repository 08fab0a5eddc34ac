extension Schema {
    /// The lifetime a token was issued with (ms; 0: issued without one; NULL: a row written before).
    /// A rotation gives the new token this lifetime again. `expires_at` − `created_at` cannot tell
    /// it: it is shorter by the lag when the token was issued while time stamps were held behind the
    /// clock (`clock-hold`), and a rotation's grace moves `expires_at` of a token issued without one.
    static let tokenLifetimes = """
        ALTER TABLE api_tokens ADD COLUMN lifetime_ms INTEGER;
        """
}
