import TandemJSON

/// A value bound to or read from SQLite. JSON is stored as TEXT (its canonical serialization).
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public static func int(_ v: Int) -> SQLValue { .integer(Int64(v)) }
    public static func json(_ v: JSONValue) -> SQLValue { .text(v.serialized()) }
    public static func optional(_ v: Int64?) -> SQLValue { v.map { .integer($0) } ?? .null }
    public static func optional(_ v: String?) -> SQLValue { v.map { .text($0) } ?? .null }
}
