import Testing
@testable import TandemJSON

@Suite struct JSONParsingTests {
    @Test func parsesEveryKind() throws {
        let v = try JSONValue(parsing: #" {"a": [1, -2.5, 3e2, true, false, null], "b": {"c": "d\n\u00e9\ud83d\ude00"}} "#)
        #expect(v["a"] == [1, -2.5, 300.0, true, false, nil])
        #expect(v["b"]?["c"] == .string("d\n\u{e9}\u{1F600}"))
    }

    @Test func keepsIntegersExact() throws {
        #expect(try JSONValue(parsing: "9007199254740993") == .integer(9_007_199_254_740_993))
        #expect(try JSONValue(parsing: "-0") == .integer(0))
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: "1e400") }
    }

    /// Strings are scanned eight bytes at a time: a quote, an escape or a control character is
    /// found wherever it falls in a word, and non-ASCII text is passed over.
    @Test func stringsAreReadWhereverTheirEndFalls() throws {
        for length in 0..<26 {
            let text = String(repeating: "é", count: length / 3) + String(repeating: "a", count: length - length / 3)
            #expect(try JSONValue(parsing: "\"\(text)\"") == .string(text))
            #expect(try JSONValue(parsing: "\"\(text)\\n\(text)\"") == .string(text + "\n" + text))
            #expect(throws: JSONParseError.self) { try JSONValue(parsing: "\"\(text)\u{1F}\(text)\"") }
        }
        for byte in UInt8(0)...UInt8(255) {
            for shift in stride(from: 0, to: 64, by: 8) {
                let moved = UInt64(0x6161_6161_6161_6161) & ~(UInt64(0xFF) << shift) | UInt64(byte) << shift
                let ends = byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
                #expect(JSONParser.mayEndString(moved) == ends, "byte \(byte) at bit \(shift)")
            }
        }
    }

    /// An integer literal beyond 64 bits is refused, not rounded to a double (an unsigned 64-bit id
    /// once became 1.8446744073709552e+19); with a fraction or exponent a number is a double.
    @Test func integersBeyond64BitsAreRefused() throws {
        // Read digit by digit: the same value as Int64(_: String), or nil where that is.
        for text in ["0", "-0", "7", "-7", "1000000000000000000", "9223372036854775807", "-9223372036854775808",
                     "9223372036854775808", "-9223372036854775809", "18446744073709551615", "18446744073709551616",
                     "99999999999999999999", "-18446744073709551616"] {
            // Safe: the pointer is lent to the call only and not kept.
            let parsed = Array(text.utf8).withUnsafeBytes { JSONParser.integer($0) }
            #expect(parsed == Int64(text), "\(text)")
        }
        #expect(try JSONValue(parsing: "9223372036854775807") == .integer(.max))
        #expect(try JSONValue(parsing: "-9223372036854775808") == .integer(.min))
        for text in ["9223372036854775808", "-9223372036854775809", "18446744073709551615", "12345678901234567890123"] {
            let error = try #require(throws: JSONParseError.self) { try JSONValue(parsing: "[1, \(text)]") }
            #expect(error.offset == 4 && error.isNumberOutOfRange, "\(error)")
            #expect(error.reason.contains("integer \(text) is outside the 64-bit range") && error.reason.contains("as a string"),
                    "\(error)")
            #expect(throws: JSONParseError.self) { try JSONMember.members(parsing: Array(#"{"a":\#(text)}"#.utf8)) }
        }
        #expect(try JSONValue(parsing: "18446744073709551615.0") == .number(18446744073709551615.0))
        #expect(try JSONValue(parsing: "1.8446744073709552e19") == .number(1.8446744073709552e19))
        let long = String(repeating: "9", count: 100)
        let error = try #require(throws: JSONParseError.self) { try JSONValue(parsing: long) }
        #expect(error.reason.contains(String(repeating: "9", count: 40) + "…") && !error.reason.contains(long), "cut short")
        let tooBig = try #require(throws: JSONParseError.self) { try JSONValue(parsing: "1e309") }
        #expect(tooBig.isNumberOutOfRange && tooBig.reason.contains("1e309"))
        #expect(try #require(throws: JSONParseError.self) { try JSONValue(parsing: "[1e") }.isNumberOutOfRange == false)
    }

    /// What else a document refused only for its numbers says can still be read.
    @Test func outOfRangeNumbersCanBeReadAsNull() throws {
        let text = Array(#"{"id":7,"a":[18446744073709551615,1e309],"id":8}"#.utf8)
        // Safe: the pointer is lent to the call only and not kept.
        let members = try text.withUnsafeBytes { try JSONMember.members(parsingOutOfRangeNumbersAsNull: $0) }
        #expect(members == [JSONMember(key: "id", value: 7), JSONMember(key: "a", value: [nil, nil]), JSONMember(key: "id", value: 8)])
        #expect(throws: JSONParseError.self) {
            try Array(#"{"id":7,"a":18446744073709551615"#.utf8).withUnsafeBytes { try JSONMember.members(parsingOutOfRangeNumbersAsNull: $0) }
        }
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "tru", "nul", "\"abc", "\"\\x\"",
        "[1] 2", "{a:1}", "\"\u{01}\"", "\"\\ud800\"", "\"\\udc00x\"", "1e", "[", "{\"a\"}", "+1",
    ])
    func rejectsMalformedText(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: [0x22, 0xC3, 0x28, 0x22] as [UInt8]) }
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: [0x22, 0xED, 0xA0, 0x80, 0x22] as [UInt8]) }
    }

    @Test func limitsNesting() throws {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: deep) }
        let ok = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        _ = try JSONValue(parsing: ok)
    }

    @Test func serializationIsDeterministicAndRoundTrips() throws {
        let v: JSONValue = ["z": 1, "a": ["x": "q\"\\\u{7}", "m": [1.5, nil]], "é": true]
        let text = v.serialized()
        #expect(text == #"{"a":{"m":[1.5,null],"x":"q\"\\\u0007"},"z":1,"é":true}"#)
        #expect(try JSONValue(parsing: text) == v)
        #expect(try JSONValue(parsing: text).serialized() == text)
    }

    @Test func numericEqualityAcrossRepresentations() {
        #expect(JSONValue.integer(1) == JSONValue.number(1.0))
        #expect(Set([JSONValue.integer(1), .number(1.0)]).count == 1)
        #expect(JSONValue.number(2.5).intValue == nil)
        #expect(JSONValue.number(4).intValue == 4)
    }
}
