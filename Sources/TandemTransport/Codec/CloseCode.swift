/// A WebSocket close status code (RFC 6455 §7.4).
public struct CloseCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The code as sent on the wire.
    public var rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// 1000: the purpose of the connection has been fulfilled.
    public static let normal = CloseCode(rawValue: 1000)
    /// 1001: the server is shutting down or the client navigated away.
    public static let goingAway = CloseCode(rawValue: 1001)
    /// 1002: the peer broke the framing protocol.
    public static let protocolError = CloseCode(rawValue: 1002)
    /// 1003: a kind of data we do not accept (e.g. binary where only text is expected).
    public static let unsupportedData = CloseCode(rawValue: 1003)
    /// 1007: payload inconsistent with the message type (invalid UTF-8 in text or close reason).
    public static let invalidPayload = CloseCode(rawValue: 1007)
    /// 1008: a generic policy violation (e.g. authentication failed, rate limit).
    public static let policyViolation = CloseCode(rawValue: 1008)
    /// 1009: a frame or message exceeded our limits.
    public static let messageTooBig = CloseCode(rawValue: 1009)
    /// 1010: (client only) the server did not negotiate an extension the client requires.
    public static let mandatoryExtension = CloseCode(rawValue: 1010)
    /// 1011: the server hit an unexpected condition.
    public static let internalError = CloseCode(rawValue: 1011)
    /// 1013: try again later (e.g. overloaded).
    public static let tryAgainLater = CloseCode(rawValue: 1013)

    /// Whether `code` may legitimately appear in a close frame we receive (RFC 6455 §7.4.1 and
    /// the IANA registry): 1000-1003, 1007-1011, 1012-1014 (registered later), and the ranges
    /// 3000-3999 (registered) and 4000-4999 (private use). 1004, 1005, 1006 and 1015 are
    /// reserved and must never be sent on the wire; everything below 1000 or above 4999 is invalid.
    public static func isValidReceived(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014: return true
        case 3000...4999: return true
        default: return false
        }
    }

    public var description: String { String(rawValue) }
}
