/// One member of a JSON object, in document order.
public struct JSONMember: Sendable, Equatable {
    public var key: String
    public var value: JSONValue

    public init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }
}

extension JSONMember {
    /// Parses a document whose top level is an object into its members in document order, duplicates
    /// kept, without building a dictionary: for decoders that look at a handful of keys and would
    /// otherwise pay for hashing every one. Same grammar, limits and errors as `JSONValue(parsing:)`
    /// (the same parser does the work). Returns nil when the top-level value is not an object (the
    /// caller parses it as a `JSONValue` to say what it is instead).
    // Safe: the buffer is read for this call only: the members are Swift values copied out of it
    public static func members(parsing buffer: UnsafeRawBufferPointer, maxDepth: Int = 128) throws -> [JSONMember]? {
        try members(parsing: buffer, maxDepth: maxDepth, outOfRangeNumbersAsNull: false)
    }

    // Safe: as above: the parser does not outlive the call
    static func members(parsing buffer: UnsafeRawBufferPointer, maxDepth: Int,
                        outOfRangeNumbersAsNull: Bool) throws -> [JSONMember]? {
        var parser = JSONParser(bytes: buffer, maxDepth: maxDepth)
        parser.outOfRangeNumbersAsNull = outOfRangeNumbersAsNull
        parser.skipWhitespace()
        guard parser.current == UInt8(ascii: "{") else { return nil }
        let members = try parser.parseMembers(depth: 1)
        parser.skipWhitespace()
        guard parser.index == buffer.count else { throw parser.error("unexpected data after the value") }
        return members
    }

    /// The members of a document given as bytes; see `members(parsing:maxDepth:)` above.
    public static func members(parsing bytes: [UInt8], maxDepth: Int = 128) throws -> [JSONMember]? {
        // Safe: the pointer does not escape: the members are Swift values copied out of the buffer.
        try bytes.withUnsafeBytes { buffer throws in try members(parsing: buffer, maxDepth: maxDepth) }
    }
}

extension JSONValue {
    /// The object these members make, with JSON's usual rule for duplicate keys: the last one wins
    /// (as `JSONValue(parsing:)` builds it). Members from `members(parsing:)` never hold two
    /// canonically equivalent keys spelled differently (the parser refuses them); given such
    /// members, the last spelling and value win.
    public init(members: [JSONMember]) {
        var object: [String: JSONValue] = Dictionary(minimumCapacity: members.count)
        for member in members { object[member.key] = member.value }
        self = .object(object)
    }
}

extension JSONParser {
    /// The members of the object starting at `index` (at `{`), at nesting `depth`; the same checks as
    /// `parseObject`, in the same order, so errors and offsets match.
    mutating func parseMembers(depth: Int) throws -> [JSONMember] {
        guard depth <= maxDepth else { throw error("nesting deeper than \(maxDepth)") }
        index += 1
        var members: [JSONMember] = []
        members.reserveCapacity(8)
        var spellings = MemberKeySpellings()
        skipWhitespace()
        if current == UInt8(ascii: "}") { index += 1; return members }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let keyOffset = index
            let key = try parseString()
            let keyIsASCII = lastStringWasASCII
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw error("expected ':'") }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            // After the value, as `parseObject` checks it, so both report the same first error.
            try spellings.check(key, isASCII: keyIsASCII, after: members, at: keyOffset)
            members.append(JSONMember(key: key, value: value))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return members
            default: throw error("expected ',' or '}'")
            }
        }
    }
}
