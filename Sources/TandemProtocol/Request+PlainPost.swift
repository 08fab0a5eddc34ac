import TandemJSON

extension Request {
    /// The request clients send most, read straight from the parsed members: `turn.post` with only
    /// `id`, `op`, `session`, `content` and optionally `role` and `nonce`, every value valid. Anything
    /// else (another op, another field, a duplicate, a `null`, any value the general path would refuse)
    /// gives nil and takes the general path, so every error is still worded in one place.
    ///
    /// It must accept nothing the general path refuses and build the same `Request` for what it
    /// accepts: `RequestFastPathTests` and the protocol fuzz target check exactly that.
    static func plainPostTurn(_ members: [JSONMember], limits: ProtocolLimits) -> Request? {
        guard members.count >= 4, members.count <= 6 else { return nil }
        var id: RequestID?
        var isPost = false
        var session: String?
        var content: String?
        var role: TurnRole?
        var nonce: String?
        for member in members {
            switch member.key {
            case "id":
                guard id == nil else { return nil }
                switch member.value {
                case .integer(let i) where i.magnitude <= UInt64(RequestID.maxIntegerMagnitude): id = .int(i)
                case .string(let s) where !s.isEmpty && s.utf8.count <= limits.maxRequestIDBytes: id = .string(s)
                default: return nil
                }
            case "op":
                guard !isPost, case .string(let s) = member.value, s == OpName.turnPost.rawValue else { return nil }
                isPost = true
            case "session":
                guard session == nil, case .string(let s) = member.value, !s.isEmpty,
                      s.utf8.count <= limits.maxIdentifierBytes, !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F })
                else { return nil }
                session = s
            case "content":
                guard content == nil, case .string(let s) = member.value, s.utf8.count <= limits.maxTurnContentBytes
                else { return nil }
                content = s
            case "role":
                guard role == nil, case .string(let s) = member.value, let r = TurnRole(rawValue: s) else { return nil }
                role = r
            case "nonce":
                guard nonce == nil, case .string(let s) = member.value, !s.isEmpty, s.utf8.count <= 64,
                      s.utf8.allSatisfy(PostTurnParams.isNonceByte)
                else { return nil }
                nonce = s
            default:
                return nil
            }
        }
        guard let id, isPost, let session, let content else { return nil }
        let params = PostTurnParams(session: session, role: role ?? .user, content: content, nonce: nonce)
        return Request(id: id, operation: .turnPost(params))
    }
}
