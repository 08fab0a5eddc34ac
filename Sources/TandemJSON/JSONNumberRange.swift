/// The numbers `JSONValue` cannot hold, refused rather than approximated.
///
/// An integer literal (no fraction, no exponent) is exact or refused: beyond 64 bits it would
/// become the nearest double, and an unsigned 64-bit id such as 18446744073709551615 would be
/// stored as 1.8446744073709552e+19, its last digits gone without a word. Numbers with a fraction
/// or exponent are doubles, as JSON readers usually take them; beyond a double's range they are refused.
extension JSONParser {
    static func integerOutOfRange(_ text: String, at offset: Int) -> JSONParseError {
        JSONParseError(
            offset: offset,
            reason: "integer \(shown(text)) is outside the 64-bit range (-9223372036854775808 to "
                + "9223372036854775807); send it as a string to keep every digit",
            isNumberOutOfRange: true)
    }

    static func numberOutOfRange(_ text: String, at offset: Int) -> JSONParseError {
        JSONParseError(
            offset: offset, reason: "number \(shown(text)) is beyond the range of a double; send it as a string",
            isNumberOutOfRange: true)
    }

    /// The literal, cut to 40 characters: a number can be as long as the message.
    private static func shown(_ text: String) -> String {
        text.utf8.count <= 40 ? text : String(text.prefix(40)) + "…"
    }
}

extension JSONMember {
    /// As `members(parsing:maxDepth:)`, but numbers out of `JSONValue`'s range read as `null`:
    /// for reading what else a document refused with `JSONParseError.isNumberOutOfRange` says
    /// (a request's id, for its error answer). Never for accepting such a document.
    // Safe: the buffer is read for this call only, as in members(parsing:maxDepth:)
    public static func members(parsingOutOfRangeNumbersAsNull buffer: UnsafeRawBufferPointer,
                               maxDepth: Int = 128) throws -> [JSONMember]? {
        try members(parsing: buffer, maxDepth: maxDepth, outOfRangeNumbersAsNull: true)
    }
}
