import Testing
import TandemJSON

@Suite struct JSONMemberCursorTests {
    /// Runs `body` on a cursor over `text` (nil when the cursor refuses to start).
    static func read<T>(_ text: String, maxDepth: Int = 8, _ body: (inout JSONMemberCursor) -> T) -> T? {
        // Safe: the cursor borrows the array's bytes and lives only inside this closure
        Array(text.utf8).withUnsafeBytes { bytes in
            guard var cursor = JSONMemberCursor(bytes, maxDepth: maxDepth) else { return nil }
            return body(&cursor)
        }
    }

    @Test func readsKeysAndValuesInOrder() throws {
        let got = try #require(Self.read(#" { "a" : "x\ny\u00e9" , "n":-12 ,"k":"raw"} "#) { cursor -> [String] in
            var seen: [String] = []
            while let key = cursor.nextKey() {
                if key.is("a") {
                    seen.append("a=\(cursor.string() ?? "?")")
                } else if key.is("n") {
                    #expect(!cursor.valueIsString)
                    seen.append("n=\(cursor.integer().map(String.init) ?? "?")")
                } else if key.is("k") {
                    seen.append("k=\(cursor.rawString()?.is("raw") == true)")
                } else {
                    seen.append("other")
                }
            }
            seen.append("end=\(cursor.isAtEnd())")
            return seen
        })
        #expect(got == ["a=x\nyé", "n=-12", "k=true", "end=true"])
        let empty = Self.read("{}") { cursor in cursor.nextKey() == nil && cursor.isAtEnd() }
        #expect(empty == true)
    }

    @Test func doesNotStartOnAnythingButAnObject() {
        #expect(Self.read("[1]") { _ in true } == nil)
        #expect(Self.read(" 7") { _ in true } == nil)
        #expect(Self.read("{}", maxDepth: 0) { _ in true } == nil)
    }

    /// Outside the simple form the read ends without reaching the end: the caller's general path
    /// takes over.
    @Test(arguments: [#"{"\u0061":1}"#, #"{"a":1 "b":2}"#, #"{"a" 1}"#, #"{"a":1,}"#, #"{"a":1} x"#, #"{"a":1"#,
                      #"{a:1}"#, "{\"a\u{1}\":1}"])
    func stopsShortOfTheEndOutsideTheSimpleForm(_ text: String) {
        let ended = Self.read(text) { cursor -> Bool in
            while cursor.nextKey() != nil { _ = cursor.integer() }
            return cursor.isAtEnd()
        }
        #expect(ended == false)
    }

    @Test func valuesOutsideTheSimpleFormAreNil() {
        func value(_ json: String, _ read: (inout JSONMemberCursor) -> Bool) -> Bool? {
            Self.read(#"{"v":\#(json)}"#) { cursor in cursor.nextKey() == nil ? nil : read(&cursor) } ?? nil
        }
        // Worked out before `#expect`, which cannot hold a mutating call.
        let cases: [(String, Bool?)] = [
            ("1.5", value("1.5") { $0.integer() == nil }),
            ("1e3", value("1e3") { $0.integer() == nil }),
            ("beyond 64 bits", value("99999999999999999999") { $0.integer() == nil }),
            ("a string as an integer", value(#""7""#) { $0.integer() == nil }),
            ("null", value("null") { $0.string() == nil }),
            ("raw with an escape", value(#""a\"b""#) { $0.rawString() == nil }),
            ("string with an escape", value(#""a\"b""#) { $0.string() == "a\"b" }),
            ("raw prefix", value(#""turn.post""#) { $0.rawString()?.is("turn.pos") == false }),
        ]
        for (name, held) in cases { #expect(held == true, "\(name)") }
    }

    @Test func invalidUTF8InAStringIsNil() {
        let bytes: [UInt8] = Array(#"{"v":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        // Safe: as in read(_:): the cursor lives only inside the closure
        let got = bytes.withUnsafeBytes { buffer -> Bool? in
            guard var cursor = JSONMemberCursor(buffer, maxDepth: 8), cursor.nextKey() != nil else { return nil }
            return cursor.string() == nil
        }
        #expect(got == true)
    }
}
