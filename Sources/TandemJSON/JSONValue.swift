/// A JSON document as a plain value.
///
/// Integer literals stay exact (`.integer`; the parser refuses one beyond 64 bits rather than round
/// it); numbers with a fraction or exponent are `.number`.
/// Objects are unordered; serialization sorts keys, so equal values always serialize to
/// the same bytes (export → import → export is byte-identical).
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public var isNull: Bool { if case .null = self { true } else { false } }

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { o } else { nil } }

    /// The value as an integer: exact integers, or doubles with no fractional part in range.
    public var intValue: Int64? {
        switch self {
        case .integer(let i): return i
        case .number(let d) where d.rounded() == d && abs(d) < 9.2e18: return Int64(d)
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        default: return nil
        }
    }

    /// Member of an object; `nil` for a missing key or a non-object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// A short name of the kind of value, for error messages.
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer, .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

extension JSONValue {
    /// Numeric equality across representations: `1` equals `1.0`. Strings, object keys included,
    /// are equal only byte for byte: canonically equivalent spellings (`"\u00e9"`, `"e\u0301"`)
    /// are different values, as they are different stored texts (see `isByteIdentical(to:)`).
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        case (.integer(let a), .number(let b)), (.number(let b), .integer(let a)): return Double(a) == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a.isByteIdentical(to: b)
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return objectsEqual(a, b)
        default: return false
        }
    }

    /// Dictionary `==` finds keys by canonical equivalence; this also requires each key's spelling.
    private static func objectsEqual(_ a: [String: JSONValue], _ b: [String: JSONValue]) -> Bool {
        guard a.count == b.count else { return false }
        for (key, value) in a {
            // A dictionary holds at most one key of each equivalence class, so this is the only candidate.
            guard let i = b.index(forKey: key) else { return false }
            let (otherKey, otherValue) = b[i]
            guard key.isByteIdentical(to: otherKey), value == otherValue else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let b): hasher.combine(b)
        case .integer(let i): hasher.combine(Double(i))
        case .number(let d): hasher.combine(d)
        case .string(let s): s.hashBytes(into: &hasher)
        case .array(let a): hasher.combine(a)
        case .object(let o):
            // Order-independent, as members have no order: each member hashed alone, then combined
            // with XOR (as `Dictionary` does), keys by their bytes like strings.
            var members = 0
            for (key, value) in o {
                var member = Hasher()
                key.hashBytes(into: &member)
                member.combine(value)
                members ^= member.finalize()
            }
            hasher.combine(o.count)
            hasher.combine(members)
        }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension JSONValue: CustomStringConvertible {
    /// Compact JSON text.
    public var description: String { serialized() }
}
