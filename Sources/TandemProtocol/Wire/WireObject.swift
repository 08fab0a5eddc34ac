import TandemJSON

/// A value that travels as one JSON object: written field by field, read back with `WireReader`.
///
/// Writing omits absent optionals (no `null`s); reading treats `null` like a missing optional field.
public protocol WireObject: Sendable, Equatable {
    /// Reads the fields of this value from `reader` (which belongs to the enclosing object).
    init(reader: inout WireReader) throws
    /// Adds the fields of this value to `object`.
    func write(into object: inout [String: JSONValue])
}

extension WireObject {
    /// This value as a JSON object.
    public var json: JSONValue {
        var object: [String: JSONValue] = [:]
        write(into: &object)
        return .object(object)
    }

    /// Reads a value from a JSON object. `strict` also refuses unknown fields and enforces `limits`
    /// (what a server does with requests); the lenient default is what clients use on server messages,
    /// so a server may add fields within `tandem.v1`.
    public init(json: JSONValue, strict: Bool = false, limits: ProtocolLimits = .default) throws {
        var reader = try WireReader(json, strict: strict, limits: limits)
        try self.init(reader: &reader)
        try reader.finish()
    }
}

/// A string enum that travels as its raw value.
public protocol WireEnum: RawRepresentable, CaseIterable, Sendable, Hashable where RawValue == String {}

extension WireEnum {
    public var json: JSONValue { .string(rawValue) }
    /// The accepted values, for error messages: `user, assistant, tool, system`.
    static var choices: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

extension Array where Element: WireObject {
    var json: JSONValue { .array(map(\.json)) }
}
