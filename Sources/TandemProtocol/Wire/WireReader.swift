import TandemJSON

/// Reads the fields of one JSON object, failing with a `WireError` that names the field and says what
/// was expected and what was found. Remembers which fields were read so `finish()` can refuse the rest.
public struct WireReader {
    public let fields: [String: JSONValue]
    /// Dotted path of this object inside the message; empty at the top level.
    public let path: String
    /// Refuse unknown fields and enforce size limits (request decoding) or not (server messages).
    public let strict: Bool
    public let limits: ProtocolLimits
    /// Keys asked for, in order. An array, not a set: a request has a handful of keys, and hashing each
    /// one again costs more than comparing a few short strings once in `finish()`.
    private var read: [String] = []

    public init(_ value: JSONValue, path: String = "", strict: Bool = false, limits: ProtocolLimits = .default) throws {
        guard case .object(let fields) = value else {
            throw WireError(field: path, message: "\(Self.name(path)) must be an object, got \(value.kindName)")
        }
        self.fields = fields
        self.path = path
        self.strict = strict
        self.limits = limits
        read.reserveCapacity(16)
    }

    static func name(_ path: String) -> String { path.isEmpty ? "the message" : "field '\(path)'" }

    /// The path of a field of this object.
    public func path(of key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func failure(_ key: String, _ message: String, _ code: ErrorCode = .invalidArgument) -> WireError {
        WireError(field: path(of: key), message: "field '\(path(of: key))' \(message)", code: code)
    }

    func missing(_ key: String) -> WireError { failure(key, "is required") }

    /// Marks `key` as read and returns its value; nil when missing or `null`.
    public mutating func value(_ key: String) -> JSONValue? {
        read.append(key)
        guard let v = fields[key], !v.isNull else { return nil }
        return v
    }

    /// Marks `key` as known without reading it (for fields handled elsewhere, like `id` and `op`).
    public mutating func skip(_ key: String) { read.append(key) }

    /// Refuses fields nobody read, when strict.
    public func finish() throws {
        guard strict else { return }
        if fields.count <= read.count && fields.keys.allSatisfy({ read.contains($0) }) { return }
        if let unknown = fields.keys.filter({ !read.contains($0) }).sorted().first {
            throw failure(unknown, "is not a parameter here")
        }
    }

    // MARK: strings

    public mutating func optionalString(_ key: String, maxBytes: Int, allowEmpty: Bool = false) throws -> String? {
        guard let v = value(key) else { return nil }
        guard case .string(let s) = v else { throw failure(key, "must be a string, got \(v.kindName)") }
        if !allowEmpty && s.isEmpty { throw failure(key, "must not be empty") }
        if strict && s.utf8.count > maxBytes {
            throw failure(key, "is \(s.utf8.count) bytes, more than the limit of \(maxBytes)", .tooLarge)
        }
        return s
    }

    public mutating func string(_ key: String, maxBytes: Int, allowEmpty: Bool = false) throws -> String {
        guard let s = try optionalString(key, maxBytes: maxBytes, allowEmpty: allowEmpty) else { throw missing(key) }
        return s
    }

    /// An identifier (session, user, share id, cursor): non-empty, at most `maxIdentifierBytes`, no control characters.
    public mutating func optionalIdentifier(_ key: String) throws -> String? {
        guard let s = try optionalString(key, maxBytes: limits.maxIdentifierBytes) else { return nil }
        if s.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) { throw failure(key, "must not contain control characters") }
        return s
    }

    /// A client-chosen id for a session to be made (`session.create`, `branch.create`,
    /// `template.create_session`): 1-64 of `A-Z a-z 0-9 _ -`, safe in a URL as it is.
    public mutating func optionalNewSessionID(_ key: String) throws -> String? {
        guard let id = try optionalIdentifier(key) else { return nil }
        guard Self.isNewSessionID(id) else {
            throw failure(key, "must be 1-64 characters of A-Z a-z 0-9 _ -")
        }
        return id
    }

    /// Whether `id` may name a session to be made: 1-64 of `A-Z a-z 0-9 _ -` (clients check it
    /// before sending, to name their own option in the refusal).
    public static func isNewSessionID(_ id: String) -> Bool {
        (1...64).contains(id.utf8.count) && id.utf8.allSatisfy(isURLSafe)
    }

    static func isURLSafe(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default: false
        }
    }

    public mutating func identifier(_ key: String) throws -> String {
        guard let s = try optionalIdentifier(key) else { throw missing(key) }
        return s
    }

    public mutating func stringArray(_ key: String, maxBytes: Int) throws -> [String] {
        guard let v = value(key) else { throw missing(key) }
        guard case .array(let items) = v else { throw failure(key, "must be an array of strings, got \(v.kindName)") }
        return try items.enumerated().map { index, item in
            guard case .string(let s) = item else {
                throw failure("\(key)[\(index)]", "must be a string, got \(item.kindName)")
            }
            if strict && s.utf8.count > maxBytes { throw failure("\(key)[\(index)]", "is longer than \(maxBytes) bytes", .tooLarge) }
            return s
        }
    }

    // MARK: numbers and booleans

    public mutating func optionalInt(_ key: String, min: Int64 = 0, max: Int64 = .max) throws -> Int64? {
        guard let v = value(key) else { return nil }
        guard case .integer(let i) = v else {
            if case .number(let d) = v { throw failure(key, "must be an integer, got \(d)") }
            throw failure(key, "must be an integer, got \(v.kindName)")
        }
        guard i >= min else { throw failure(key, "must be >= \(min), got \(i)") }
        guard i <= max else { throw failure(key, "must be <= \(max), got \(i)") }
        return i
    }

    public mutating func int(_ key: String, min: Int64 = 0, max: Int64 = .max) throws -> Int64 {
        guard let i = try optionalInt(key, min: min, max: max) else { throw missing(key) }
        return i
    }

    public mutating func optionalBool(_ key: String) throws -> Bool? {
        guard let v = value(key) else { return nil }
        guard case .bool(let b) = v else { throw failure(key, "must be true or false, got \(v.kindName)") }
        return b
    }

    public mutating func bool(_ key: String) throws -> Bool {
        guard let b = try optionalBool(key) else { throw missing(key) }
        return b
    }

    // MARK: enums

    public mutating func optionalEnum<E: WireEnum>(_ key: String, as type: E.Type = E.self) throws -> E? {
        guard let v = value(key) else { return nil }
        guard case .string(let s) = v else { throw failure(key, "must be one of \(E.choices); got \(v.kindName)") }
        guard let e = E(rawValue: s) else { throw failure(key, "must be one of \(E.choices); got '\(s)'") }
        return e
    }

    public mutating func enumValue<E: WireEnum>(_ key: String, as type: E.Type = E.self) throws -> E {
        guard let e = try optionalEnum(key, as: type) else { throw missing(key) }
        return e
    }

    // MARK: JSON values

    /// A JSON object kept as a value (metadata), at most `maxBytes` serialized.
    public mutating func optionalObject(_ key: String, maxBytes: Int) throws -> JSONValue? {
        guard let v = value(key) else { return nil }
        guard case .object = v else { throw failure(key, "must be an object, got \(v.kindName)") }
        try checkSize(v, key, maxBytes)
        return v
    }

    public mutating func object(_ key: String, maxBytes: Int) throws -> JSONValue {
        guard let v = try optionalObject(key, maxBytes: maxBytes) else { throw missing(key) }
        return v
    }

    /// Any JSON value that must be present (`null` counts as present), at most `maxBytes` serialized.
    public mutating func anyValue(_ key: String, maxBytes: Int) throws -> JSONValue {
        read.append(key)
        guard let v = fields[key] else { throw missing(key) }
        try checkSize(v, key, maxBytes)
        return v
    }

    /// Any JSON value that may be missing; `null` is kept apart from missing.
    public mutating func optionalAnyValue(_ key: String) -> JSONValue? {
        read.append(key)
        return fields[key]
    }

    private func checkSize(_ v: JSONValue, _ key: String, _ maxBytes: Int) throws {
        guard strict else { return }
        let size = v.serializedByteCount
        if size > maxBytes { throw failure(key, "is \(size) bytes serialized, more than the limit of \(maxBytes)", .tooLarge) }
    }

    // MARK: nested objects

    public mutating func optionalNested<T: WireObject>(_ key: String, as type: T.Type = T.self) throws -> T? {
        guard let v = value(key) else { return nil }
        return try decodeNested(v, at: path(of: key))
    }

    public mutating func nested<T: WireObject>(_ key: String, as type: T.Type = T.self) throws -> T {
        guard let t = try optionalNested(key, as: type) else { throw missing(key) }
        return t
    }

    public mutating func optionalArray<T: WireObject>(_ key: String, of type: T.Type = T.self) throws -> [T]? {
        guard let v = value(key) else { return nil }
        guard case .array(let items) = v else { throw failure(key, "must be an array, got \(v.kindName)") }
        return try items.enumerated().map { index, item in try decodeNested(item, at: "\(path(of: key))[\(index)]") }
    }

    public mutating func array<T: WireObject>(_ key: String, of type: T.Type = T.self) throws -> [T] {
        guard let a = try optionalArray(key, of: type) else { throw missing(key) }
        return a
    }

    private func decodeNested<T: WireObject>(_ v: JSONValue, at path: String) throws -> T {
        var inner = try WireReader(v, path: path, strict: strict, limits: limits)
        let t = try T(reader: &inner)
        try inner.finish()
        return t
    }
}
