import TandemJSON

/// A request's `id`, chosen by the client and echoed verbatim in the one response to that request.
///
/// Either a string of 1...`ProtocolLimits.maxRequestIDBytes` UTF-8 bytes or an integer whose magnitude is at
/// most 2^53 - 1 (so JavaScript clients can hold it exactly).
public enum RequestID: Sendable, Hashable, CustomStringConvertible {
    case int(Int64)
    case string(String)

    /// The largest integer id magnitude: 2^53 - 1, exact in an IEEE double.
    public static let maxIntegerMagnitude: Int64 = 9_007_199_254_740_991

    public var json: JSONValue {
        switch self {
        case .int(let i): .integer(i)
        case .string(let s): .string(s)
        }
    }

    public var description: String {
        switch self {
        case .int(let i): String(i)
        case .string(let s): "\"\(s)\""
        }
    }

    /// Reads an id, or says (naming the field) why it is not acceptable.
    static func read(_ value: JSONValue, maxBytes: Int) throws -> RequestID {
        switch value {
        case .integer(let i):
            guard i.magnitude <= UInt64(maxIntegerMagnitude) else {
                throw WireError(field: "id", message: "field 'id' must be an integer within ±(2^53-1)")
            }
            return .int(i)
        case .string(let s):
            guard !s.isEmpty else { throw WireError(field: "id", message: "field 'id' must not be an empty string") }
            guard s.utf8.count <= maxBytes else {
                throw WireError(field: "id", message: "field 'id' is longer than \(maxBytes) bytes")
            }
            return .string(s)
        default:
            throw WireError(field: "id", message: "field 'id' must be a string or an integer, got \(value.kindName)")
        }
    }
}

extension RequestID: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(stringLiteral value: String) { self = .string(value) }
}
