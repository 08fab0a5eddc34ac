/// The rule for object keys that are canonically equivalent but not byte-identical (`"\u00e9"` and
/// `"e\u0301"`): such an object is refused, as `JSONValue` cannot hold it.
///
/// Objects are `[String: JSONValue]`, and `String` keys collide under canonical equivalence, so
/// keeping the last one (as for a repeated key) would silently drop a member whose key is another
/// text. Byte-identical repeats keep JSON's usual rule: the last one wins.
extension JSONParser {
    /// Inserts a member into an object being parsed, refusing a key that respells an earlier one.
    /// `offset` is where the key starts, for the error.
    static func insert(_ key: String, _ value: JSONValue, into object: inout [String: JSONValue], at offset: Int) throws {
        if let i = object.index(forKey: key) {
            let earlier = object[i].key
            guard earlier.isByteIdentical(to: key) else { throw respelledKey(earlier, key, at: offset) }
            object.values[i] = value
        } else {
            object[key] = value
        }
    }

    /// The error for `key`, which is canonically equivalent to the earlier key `earlier` but spelled
    /// differently.
    static func respelledKey(_ earlier: String, _ key: String, at offset: Int) -> JSONParseError {
        JSONParseError(
            offset: offset,
            reason: "object keys \"\(escaped(earlier))\" and \"\(escaped(key))\" differ only in Unicode "
                + "normalization; an object may not hold both (send one spelling)")
    }

    /// The key with everything but printable ASCII written as `\uXXXX`, so the two spellings look
    /// different in the message; at most 64 characters of it.
    static func escaped(_ key: String) -> String {
        var out = ""
        var units = 0
        for unit in key.utf16 {
            if units == 64 { out += "…"; break }
            units += 1
            if unit >= 0x20, unit < 0x7F, unit != 0x22, unit != 0x5C {
                out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            } else {
                let hex = String(unit, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return out
    }
}

/// Members kept in document order (`JSONMember`) are checked the same way, with an index of the
/// keys built only once a key that is not ASCII came.
struct MemberKeySpellings {
    private var allASCII = true
    private var seen: [String: String] = [:]

    /// Checks the key of the member about to be appended after `members`; `isASCII` as
    /// `JSONParser.lastStringWasASCII` said of it.
    mutating func check(_ key: String, isASCII: Bool, after members: [JSONMember], at offset: Int) throws {
        if allASCII {
            guard !isASCII else { return }
            allASCII = false
            for member in members { seen[member.key] = member.key }
        }
        if let i = seen.index(forKey: key) {
            let earlier = seen[i].value
            guard earlier.isByteIdentical(to: key) else { throw JSONParser.respelledKey(earlier, key, at: offset) }
        } else {
            seen[key] = key
        }
    }
}
