import Testing
@testable import TandemJSON

@Suite struct JSONObjectScanTests {
    private func scan<T>(_ text: String, _ body: (JSONObjectScan) throws -> T) throws -> T {
        var text = text
        // Safe: the pointer is lent to the call only and not kept.
        return try text.withUTF8 { try body(try JSONObjectScan(UnsafeRawBufferPointer($0))) }
    }

    @Test func membersAndElementsAreWhatTheParserReads() throws {
        var rng = RandomJSON.Generator(seed: 0x5ca_0b)
        for _ in 0..<300 {
            var object: [String: JSONValue] = [:]
            for _ in 0..<rng.next() % 6 { object[RandomJSON.string(&rng)] = RandomJSON.value(&rng, depth: 1) }
            object["list"] = .array((0..<rng.next() % 6).map { _ in RandomJSON.value(&rng, depth: 2) })
            let text = JSONValue.object(object).serialized()
            try scan(text) { scan in
                #expect(Set(scan.keys) == Set(object.keys))
                for (key, value) in object { #expect(try scan.value(key) == value, "\(text)") }
                var elements: [JSONValue] = []
                try scan.forEachElement("list") { elements.append($0) }
                #expect(elements == object["list"]?.arrayValue)
            }
        }
    }

    @Test func whitespaceEmptyAndMissing() throws {
        try scan(" \n{ \"a\" : [ 1 , { \"b\" : [ ] } ] , \"e\" : [ ] , \"s\" : \"x\\\"]\" }\t") { scan in
            var seen: [JSONValue] = []
            try scan.forEachElement("a") { seen.append($0) }
            #expect(seen == [1, ["b": []]])
            try scan.forEachElement("e") { _ in Issue.record("no elements in []") }
            try scan.forEachElement("missing") { _ in Issue.record("no member") }
            #expect(try scan.value("s") == "x\"]")
            #expect(try scan.value("missing") == nil)
            #expect(throws: JSONParseError.self) { try scan.forEachElement("s") { _ in } }
        }
        try scan("{}") { #expect($0.keys.isEmpty) }
        // A repeated key: the last one wins, as when the whole text is parsed.
        #expect(try scan(#"{"k":1,"k":2}"#) { try $0.value("k") } == 2)
    }

    @Test(arguments: [
        "", "[]", "1", "{", "{\"a\":1,}", "{\"a\"}", "{a:1}", "{\"a\":1} 2", "{\"a\":[1,}", "{\"a\":\"x}",
        "{\"a\":\"\u{01}\"}", "{\"a\":{\"b\":1,}}", "{\"a\":[1 2]}", "{\"a\":tru}", "{\"a\":1.}",
    ])
    func refusesWhatIsNotAnObjectOrMalformed(_ text: String) {
        #expect(throws: JSONParseError.self) { try scan(text) { _ in } }
    }

    @Test func valuesAreCheckedInFullWhenRead() throws {
        // Locating checks structure only: a bad escape or bad UTF-8 inside a member shows when it is read.
        try scan(#"{"a":"\x","b":[1,"\ud800"]}"#) { scan in
            #expect(throws: JSONParseError.self) { _ = try scan.value("a") }
            #expect(throws: JSONParseError.self) { try scan.forEachElement("b") { _ in } }
        }
    }

    @Test func aRepeatedKeysEarlierValueIsCheckedToo() {
        // Only the last value of a repeated key is ever read; the parser still refuses a bad earlier one.
        let text: [UInt8] = Array(#"{"k":""#.utf8) + [0xD8, 0x44] + Array(#"","k":1}"#.utf8)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
        // Safe: the pointer is lent to the call only and not kept.
        #expect(throws: JSONParseError.self) { try text.withUnsafeBytes { _ = try JSONObjectScan($0) } }
    }

    @Test func nestingIsLimitedAsInTheParser() throws {
        for depth in [126, 127, 128, 129] {
            let text = "{\"a\":" + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
            let parses = (try? JSONValue(parsing: text)) != nil
            let scans = (try? scan(text) { try $0.value("a") }) != nil
            #expect(parses == scans, "depth \(depth)")
        }
    }
}
