import Testing
@testable import TandemJSON

@Suite struct JSONMembersTests {
    @Test func keepsOrderAndDuplicates() throws {
        let members = try #require(try JSONMember.members(parsing: Array(#" {"b":1, "a":[true,null], "b":"x"} "#.utf8)))
        #expect(members.map(\.key) == ["b", "a", "b"])
        #expect(members[1].value == [true, nil])
        // As an object the last duplicate wins, as in JSONValue(parsing:).
        #expect(JSONValue(members: members) == (try JSONValue(parsing: #"{"b":1,"a":[true,null],"b":"x"}"#)))
    }

    @Test func notAnObjectIsNil() throws {
        #expect(try JSONMember.members(parsing: Array("[1]".utf8)) == nil)
        #expect(try JSONMember.members(parsing: Array(" 7".utf8)) == nil)
        #expect(try JSONMember.members(parsing: Array("{}".utf8)) == [])
    }

    @Test(arguments: [#"{"a":1"#, #"{"a":1,}"#, #"{"a" 1}"#, #"{"a":1} x"#, #"{"a":"\u0001"}"#, "{\"a\":\"\u{1}\"}",
                      #"{"a":{"b":{"c":{}}}}"#, #"{1:2}"#])
    func refusesWithTheParsersError(_ text: String) {
        var expected: JSONParseError?
        do { _ = try JSONValue(parsing: text, maxDepth: 3) } catch { expected = error as? JSONParseError }
        var got: JSONParseError?
        do { _ = try JSONMember.members(parsing: Array(text.utf8), maxDepth: 3) } catch { got = error as? JSONParseError }
        if expected == nil {
            #expect(got == nil)
        } else {
            #expect(got == expected)
        }
    }
}
