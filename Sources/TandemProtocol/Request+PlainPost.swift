import TandemJSON

extension Request {
    /// The request clients send most, read straight from the bytes (`JSONMemberCursor`): `turn.post`
    /// with only `id`, `op`, `session`, `content` and optionally `role` and `nonce`, every key
    /// written without escapes, every value valid. Anything else (another op, another field, a
    /// duplicate, a `null`, an escaped key or op, any value the general path would refuse) gives
    /// nil and takes the general path, so every error is still worded in one place.
    ///
    /// It must accept nothing the general path refuses and build the same `Request` for what it
    /// accepts: `PlainPostFastPathTests` and the protocol fuzz target check exactly that.
    // Safe: the cursor borrows `bytes` only for this call; the Request holds copied values
    static func plainPostTurn(_ bytes: UnsafeRawBufferPointer, limits: ProtocolLimits) -> Request? {
        guard var cursor = JSONMemberCursor(bytes, maxDepth: limits.maxJSONDepth) else { return nil }
        var id: RequestID?
        var isPost = false
        var session: String?
        var content: String?
        var role: TurnRole?
        var nonce: String?
        // Keys compared as bytes, so no `String` is made for them; a repeated key gives nil.
        while let key = cursor.nextKey() {
            if key.is("id") {
                guard id == nil else { return nil }
                if cursor.valueIsString {
                    guard let s = cursor.string(), !s.isEmpty, s.utf8.count <= limits.maxRequestIDBytes else { return nil }
                    id = .string(s)
                } else {
                    guard let i = cursor.integer(), i.magnitude <= UInt64(RequestID.maxIntegerMagnitude) else { return nil }
                    id = .int(i)
                }
            } else if key.is("op") {
                // The literal is `OpName.turnPost.rawValue`, as bytes (the tests take this path).
                guard !isPost, let op = cursor.rawString(), op.is("turn.post") else { return nil }
                isPost = true
            } else if key.is("session") {
                guard session == nil, let s = cursor.string(), !s.isEmpty,
                      s.utf8.count <= limits.maxIdentifierBytes, !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F })
                else { return nil }
                session = s
            } else if key.is("content") {
                guard content == nil, let s = cursor.string(), s.utf8.count <= limits.maxTurnContentBytes else { return nil }
                content = s
            } else if key.is("role") {
                guard role == nil, let s = cursor.string(), let r = TurnRole(rawValue: s) else { return nil }
                role = r
            } else if key.is("nonce") {
                guard nonce == nil, let s = cursor.string(), !s.isEmpty, s.utf8.count <= 64,
                      s.utf8.allSatisfy(PostTurnParams.isNonceByte)
                else { return nil }
                nonce = s
            } else {
                return nil
            }
        }
        guard cursor.isAtEnd(), let id, isPost, let session, let content else { return nil }
        let params = PostTurnParams(session: session, role: role ?? .user, content: content, nonce: nonce)
        return Request(id: id, operation: .turnPost(params))
    }
}
