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
