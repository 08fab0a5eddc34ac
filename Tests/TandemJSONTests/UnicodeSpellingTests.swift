import Testing
@testable import TandemJSON

/// Canonically equivalent but different spellings ("\u{E9}" and "e\u{301}") are different texts:
/// Swift's `String` `==` would call them equal, so JSON values and object keys compare bytes.
@Suite struct UnicodeSpellingTests {
    static let composed = "caf\u{E9}", decomposed = "cafe\u{301}"

    @Test func stringsCompareAndHashByBytes() {
        #expect(Self.composed == Self.decomposed, "the premise: String's == is canonical equivalence")
        #expect(JSONValue.string(Self.composed) != .string(Self.decomposed))
        #expect(JSONValue.string(Self.composed) == .string("caf\u{E9}"))
        #expect(Set<JSONValue>([.string(Self.composed), .string(Self.decomposed)]).count == 2)
        #expect(JSONValue.array([.string(Self.composed)]) != .array([.string(Self.decomposed)]))
        #expect(Self.composed.isByteIdentical(to: "caf\u{E9}") && !Self.composed.isByteIdentical(to: Self.decomposed))
    }

    @Test func objectKeysCompareAndHashByBytes() {
        let a: JSONValue = [Self.composed: 1], b: JSONValue = [Self.decomposed: 1]
        #expect(a != b)
        #expect(a == [Self.composed: 1.0])
        #expect(Set<JSONValue>([a, b]).count == 2)
        var h1 = Hasher(), h2 = Hasher()
        JSONValue.object(["x": 1, "y": "z"]).hash(into: &h1)
        JSONValue.object(["y": "z", "x": 1.0]).hash(into: &h2)
        #expect(h1.finalize() == h2.finalize(), "equal values hash alike, whatever the member order")
    }

    /// Two keys one object cannot hold apart: refused, naming both spellings; exact repeats keep
    /// JSON's rule (the last wins). Also when the ASCII spelling comes first or second (the Kelvin
    /// sign U+212A is canonically "K").
    @Test(arguments: [
        (#"{"\u00e9":1,"e\u0301":2}"#, #""\u00e9" and "e\u0301""#, 12),
        ("{\"x\":0,\"e\u{301}\":1,\"\u{E9}\":2}", #""e\u0301" and "\u00e9""#, 15),
        (#"{"K":1,"\u212a":2}"#, #""K" and "\u212a""#, 7),
        (#"{"\u212a":1,"K":2}"#, #""\u212a" and "K""#, 12),
    ])
    func respelledKeysAreRefused(_ text: String, _ named: String, _ offset: Int) throws {
        for parse in Self.parsers {
            let error = try #require(throws: JSONParseError.self) { try parse(text) }
            #expect(error.reason.contains(named) && error.reason.contains("Unicode normalization"), "\(error)")
            #expect(error.offset == offset, "\(error)")
        }
    }

    @Test func exactRepeatsAndDistinctKeysStillParse() throws {
        let text = "{\"\u{E9}\":1,\"b\":{\"e\u{301}\":true},\"\u{E9}\":2}"
        for parse in Self.parsers { try parse(text) }
        let value = try JSONValue(parsing: text)
        #expect(value == .object(["\u{E9}": 2, "b": ["e\u{301}": true]]))
        #expect(value.serialized() == "{\"b\":{\"e\u{301}\":true},\"\u{E9}\":2}")
    }

    /// The parse as `JSONValue`, as members (the request decoder's path) and as a scan (imports).
    static let parsers: [@Sendable (String) throws -> Void] = [
        { _ = try JSONValue(parsing: $0) },
        { _ = try JSONMember.members(parsing: Array($0.utf8)) },
        { text in
            var text = text
            // Safe: the pointer is lent to the call only and not kept.
            _ = try text.withUTF8 { try JSONObjectScan(UnsafeRawBufferPointer($0)) }
        },
    ]
}
