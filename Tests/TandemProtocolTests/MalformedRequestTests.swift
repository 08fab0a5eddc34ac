import Testing
import TandemJSON
@testable import TandemProtocol

/// Bad input always gets a typed answer that names the field, with the id whenever it could be read.
@Suite struct MalformedRequestTests {
    struct Case: Sendable, CustomStringConvertible {
        var text: String
        var code: ErrorCode
        var id: RequestID?
        var field: String?
        var says: String
        var description: String { text }
    }

    static let cases: [Case] = [
        // Not a request at all: no id can be read.
        Case(text: "", code: .invalidJSON, id: nil, field: nil, says: "unexpected end"),
        Case(text: "{\"id\":1,", code: .invalidJSON, id: nil, field: nil, says: "invalid JSON"),
        Case(text: "hello", code: .invalidJSON, id: nil, field: nil, says: "invalid JSON"),
        Case(text: "[1,2]", code: .badRequest, id: nil, field: nil, says: "must be a JSON object, got array"),
        Case(text: "\"ping\"", code: .badRequest, id: nil, field: nil, says: "got string"),
        Case(text: #"{"op":"ping"}"#, code: .badRequest, id: nil, field: "id", says: "'id' is required"),
        Case(text: #"{"id":null,"op":"ping"}"#, code: .badRequest, id: nil, field: "id", says: "got null"),
        Case(text: #"{"id":1.5,"op":"ping"}"#, code: .badRequest, id: nil, field: "id", says: "string or an integer"),
        Case(text: #"{"id":true,"op":"ping"}"#, code: .badRequest, id: nil, field: "id", says: "got boolean"),
        Case(text: #"{"id":{},"op":"ping"}"#, code: .badRequest, id: nil, field: "id", says: "got object"),
        Case(text: #"{"id":"","op":"ping"}"#, code: .badRequest, id: nil, field: "id", says: "empty"),
        Case(text: #"{"id":9007199254740992,"op":"ping"}"#, code: .badRequest, id: nil, field: "id", says: "2^53"),
        Case(text: #"{"id":123456789012345678901234567890,"op":"ping"}"#, code: .invalidJSON, id: nil, field: nil, says: "outside the 64-bit range"),
        Case(text: #"{"id":1e309,"op":"ping"}"#, code: .invalidJSON, id: nil, field: nil, says: "beyond the range of a double"),
        Case(text: #"{"id":7,"op":"ping","x":18446744073709551615,"y":}"#, code: .invalidJSON, id: nil, field: nil, says: "outside the 64-bit range"),
        Case(text: "{\"id\":\"\(String(repeating: "x", count: 129))\",\"op\":\"ping\"}", code: .badRequest, id: nil, field: "id", says: "longer than 128"),
        // The id is readable from here on and must come back.
        Case(text: #"{"id":"a","op":""}"#, code: .badRequest, id: "a", field: "op", says: "got an empty string"),
        Case(text: #"{"id":"a"}"#, code: .badRequest, id: "a", field: "op", says: "'op' is required"),
        Case(text: #"{"id":3,"op":42}"#, code: .badRequest, id: 3, field: "op", says: "got number"),
        Case(text: #"{"id":4,"op":"turn.delete"}"#, code: .unknownOp, id: 4, field: "op", says: "unknown op 'turn.delete'"),
        Case(text: #"{"id":4,"op":"PING"}"#, code: .unknownOp, id: 4, field: "op", says: "'PING'"),
        Case(text: #"{"id":5,"op":"turn.post","content":"x"}"#, code: .invalidArgument, id: 5, field: "session", says: "turn.post: field 'session' is required"),
        Case(text: #"{"id":5,"op":"turn.post","session":"s"}"#, code: .invalidArgument, id: 5, field: "content", says: "'content' is required"),
        Case(text: #"{"id":5,"op":"turn.post","session":7,"content":"x"}"#, code: .invalidArgument, id: 5, field: "session", says: "must be a string, got number"),
        Case(text: #"{"id":5,"op":"turn.post","session":"","content":"x"}"#, code: .invalidArgument, id: 5, field: "session", says: "must not be empty"),
        Case(text: #"{"id":5,"op":"turn.post","session":"s\n","content":"x"}"#, code: .invalidArgument, id: 5, field: "session", says: "control characters"),
        Case(text: #"{"id":6,"op":"turn.post","session":"s","content":"x","role":"robot"}"#, code: .invalidArgument, id: 6, field: "role", says: "one of user, assistant, tool, system; got 'robot'"),
        Case(text: #"{"id":6,"op":"turn.post","session":"s","content":"x","tokens":{"input":-3}}"#, code: .invalidArgument, id: 6, field: "tokens.input", says: "'tokens.input' must be >= 0, got -3"),
        Case(text: #"{"id":6,"op":"turn.post","session":"s","content":"x","tokens":{"input":281474976710657}}"#, code: .invalidArgument, id: 6, field: "tokens.input", says: "'tokens.input' must be <= 281474976710656, got 281474976710657"),
        Case(text: #"{"id":6,"op":"turn.post","session":"s","content":"x","tokens":{"output":9223372036854775807}}"#, code: .invalidArgument, id: 6, field: "tokens.output", says: "<= 281474976710656"),
        Case(text: #"{"id":6,"op":"turn.post","session":"s","content":"x","tokens":{"input":"3"}}"#, code: .invalidArgument, id: 6, field: "tokens.input", says: "must be an integer, got string"),
        Case(text: #"{"id":6,"op":"turn.post","session":"s","content":"x","tokens":{"inptu":3}}"#, code: .invalidArgument, id: 6, field: "tokens.inptu", says: "not a parameter"),
        Case(text: #"{"id":6,"op":"turn.post","session":"s","content":"x","tokens":[1]}"#, code: .invalidArgument, id: 6, field: "tokens", says: "must be an object, got array"),
        Case(text: #"{"id":6,"op":"turn.post","session":"s","content":"x","metadata":"m"}"#, code: .invalidArgument, id: 6, field: "metadata", says: "must be an object, got string"),
        Case(text: #"{"id":6,"op":"turn.post","session":"s","content":"x","nonce":"a b"}"#, code: .invalidArgument, id: 6, field: "nonce", says: "A-Z a-z 0-9"),
        Case(text: #"{"id":6,"op":"turn.post","session":"s","content":"x","sinse":1}"#, code: .invalidArgument, id: 6, field: "sinse", says: "'sinse' is not a parameter here"),
        Case(text: #"{"id":7,"op":"session.join","session":"s","since":-1}"#, code: .invalidArgument, id: 7, field: "since", says: ">= 0, got -1"),
        Case(text: #"{"id":7,"op":"session.join","session":"s","since":1.5}"#, code: .invalidArgument, id: 7, field: "since", says: "must be an integer, got 1.5"),
        Case(text: #"{"id":7,"op":"session.join","session":"s","since":3,"last":5}"#, code: .invalidArgument, id: 7, field: "last", says: "cannot be combined"),
        Case(text: #"{"id":8,"op":"history","session":"s","last":0}"#, code: .invalidArgument, id: 8, field: "last", says: ">= 1"),
        Case(text: #"{"id":8,"op":"history","session":"s","last":1001}"#, code: .invalidArgument, id: 8, field: "last", says: "<= 1000"),
        Case(text: #"{"id":8,"op":"history","session":"s","last":5,"since":2}"#, code: .invalidArgument, id: 8, field: "last", says: "exclusive"),
        Case(text: #"{"id":8,"op":"history","session":"s","from":9,"to":3}"#, code: .invalidArgument, id: 8, field: "to", says: "must be >= 'from' (9), got 3"),
        Case(text: #"{"id":8,"op":"history","session":"s","from":9}"#, code: .invalidArgument, id: 8, field: "to", says: "required"),
        Case(text: #"{"id":8,"op":"history","session":"s","last":5,"limit":5}"#, code: .invalidArgument, id: 8, field: "limit", says: "cannot be combined"),
        Case(text: #"{"id":8,"op":"state.get","session":"s","key":"plan","after":"zzz"}"#, code: .invalidArgument, id: 8, field: "after", says: "cannot be combined"),
        Case(text: #"{"id":8,"op":"state.get","session":"s","key":"plan","limit":10}"#, code: .invalidArgument, id: 8, field: "limit", says: "cannot be combined"),
        Case(text: #"{"id":9,"op":"state.put","session":"s","key":"k","value":1}"#, code: .invalidArgument, id: 9, field: "base", says: "'base' is required"),
        Case(text: #"{"id":9,"op":"state.put","session":"s","key":"","value":1,"base":0}"#, code: .invalidArgument, id: 9, field: "key", says: "must not be empty"),
        Case(text: #"{"id":10,"op":"session.update","session":"s"}"#, code: .invalidArgument, id: 10, field: "title", says: "nothing to update"),
        Case(text: #"{"id":11,"op":"session.create","session":"a/b"}"#, code: .invalidArgument, id: 11, field: "session", says: "A-Z a-z 0-9 _ -"),
        Case(text: #"{"id":11,"op":"branch.create","session":"s","branch":"b.1"}"#, code: .invalidArgument, id: 11, field: "branch", says: "A-Z a-z 0-9 _ -"),
        Case(text: #"{"id":11,"op":"session.import","document":{},"session":"a.b@c"}"#, code: .invalidArgument, id: 11, field: "session", says: "A-Z a-z 0-9 _ -"),
        Case(text: #"{"id":11,"op":"template.create_session","template":"t","session":"x y"}"#, code: .invalidArgument, id: 11, field: "session", says: "A-Z a-z 0-9 _ -"),
        Case(text: #"{"id":11,"op":"session.create","title":5}"#, code: .invalidArgument, id: 11, field: "title", says: "got number"),
        Case(text: #"{"id":12,"op":"share.create","session":"s"}"#, code: .invalidArgument, id: 12, field: "expires_in", says: "or 'expires_at' is required"),
        Case(text: #"{"id":12,"op":"share.create","session":"s","expires_in":0}"#, code: .invalidArgument, id: 12, field: "expires_in", says: ">= 1"),
        Case(text: #"{"id":12,"op":"share.create","session":"s","expires_in":5,"expires_at":9}"#, code: .invalidArgument, id: 12, field: "expires_at", says: "cannot be combined"),
        Case(text: #"{"id":12,"op":"share.create","session":"s","expires_in":5,"permission":"write"}"#, code: .invalidArgument, id: 12, field: "permission", says: "one of read"),
        Case(text: #"{"id":13,"op":"member.add","session":"s","user":"u","role":"root"}"#, code: .invalidArgument, id: 13, field: "role", says: "owner, admin, write, comment, read"),
        Case(text: #"{"id":14,"op":"contributions"}"#, code: .invalidArgument, id: 14, field: "session", says: "or 'user' is required"),
        Case(text: #"{"id":15,"op":"ping","extra":true}"#, code: .invalidArgument, id: 15, field: "extra", says: "not a parameter"),
        Case(text: #"{"id":16,"op":"session.import","document":[]}"#, code: .invalidArgument, id: 16, field: "document", says: "must be an object"),
        Case(text: #"{"id":17,"op":"comment.add","session":"s","seq":0,"text":"t"}"#, code: .invalidArgument, id: 17, field: "seq", says: ">= 1"),
        Case(text: #"{"id":18,"op":"session.list","limit":0}"#, code: .invalidArgument, id: 18, field: "limit", says: ">= 1"),
        Case(text: #"{"id":18,"op":"session.list","status":"deleted"}"#, code: .invalidArgument, id: 18, field: "status", says: "active, paused, archived"),
        Case(text: #"{"id":18,"op":"session.list","parent":"s\u0001"}"#, code: .invalidArgument, id: 18, field: "parent", says: "control characters"),
        Case(text: #"{"id":18,"op":"session.list","parent":7}"#, code: .invalidArgument, id: 18, field: "parent", says: "string"),
        Case(text: #"{"id":18,"op":"session.list","metadata":["team"]}"#, code: .invalidArgument, id: 18, field: "metadata", says: "object"),
        // Integers beyond 64 bits are refused (not rounded to doubles); the JSON is otherwise
        // well-formed, so the answer carries the id.
        Case(text: #"{"id":20,"op":"state.put","session":"s","key":"k","value":{"id":18446744073709551615},"base":0}"#,
             code: .invalidJSON, id: 20, field: nil, says: "integer 18446744073709551615 is outside the 64-bit range"),
        Case(text: #"{"op":"state.put","session":"s","key":"k","value":[-9223372036854775809],"base":0,"id":"r-20"}"#,
             code: .invalidJSON, id: "r-20", field: nil, says: "send it as a string"),
        Case(text: #"{"id":21,"op":"state.put","session":"s","key":"k","value":1e309,"base":0}"#,
             code: .invalidJSON, id: 21, field: nil, says: "number 1e309 is beyond the range of a double"),
        // Keys that differ only in Unicode normalization would collapse into one member: refused.
        Case(text: #"{"id":19,"op":"state.put","session":"s","key":"k","value":{"\u00e9":1,"e\u0301":2},"base":0}"#,
             code: .invalidJSON, id: nil, field: nil, says: #"object keys "\u00e9" and "e\u0301" differ only in Unicode normalization"#),
        Case(text: #"{"id":19,"op":"turn.post","session":"s","content":"m","metadata":{"\u00e9":"a","e\u0301":"b"}}"#,
             code: .invalidJSON, id: nil, field: nil, says: "Unicode normalization"),
    ]

    @Test(arguments: cases)
    func answersPrecisely(_ c: Case) {
        guard case .failure(let error) = Request.decode(c.text) else {
            Issue.record("accepted: \(c.text)")
            return
        }
        #expect(error.code == c.code)
        #expect(error.id == c.id)
        #expect(error.field == c.field)
        #expect(error.message.contains(c.says), "message was: \(error.message)")
        // The error can always be answered, and the answer is a well-formed response.
        let answer = try? ServerMessage.decode(error.response.encode())
        #expect(answer == .response(error.response))
    }

    @Test func oversizedMessageIsRefusedBeforeParsing() {
        var limits = ProtocolLimits()
        limits.maxMessageBytes = 64
        let text = #"{"id":1,"op":"turn.post","session":"s","content":"\#(String(repeating: "a", count: 100))"}"#
        let error = Request.decode(text, limits: limits).failure
        #expect(error?.code == .tooLarge)
        #expect(error?.id == nil)
        #expect(error?.message.contains("max_message_bytes") == true)
    }

    @Test func fieldsOverTheirLimitsAreTooLarge() {
        var limits = ProtocolLimits()
        limits.maxTurnContentBytes = 10
        limits.maxMetadataBytes = 16
        limits.maxStateValueBytes = 8
        let content = Request.decode(#"{"id":1,"op":"turn.post","session":"s","content":"12345678901"}"#, limits: limits).failure
        #expect(content?.code == .tooLarge)
        #expect(content?.field == "content")
        #expect(content?.id == 1)
        #expect(content?.message.contains("11 bytes, more than the limit of 10") == true)
        let exact = Request.decode(#"{"id":1,"op":"turn.post","session":"s","content":"1234567890"}"#, limits: limits)
        #expect(exact.failure == nil)
        let metadata = Request.decode(
            #"{"id":2,"op":"turn.post","session":"s","content":"","metadata":{"k":"0123456789abcdef"}}"#, limits: limits).failure
        #expect(metadata?.code == .tooLarge)
        #expect(metadata?.field == "metadata")
        let value = Request.decode(#"{"id":3,"op":"state.put","session":"s","key":"k","value":[1,2,3,4,5],"base":0}"#, limits: limits).failure
        #expect(value?.code == .tooLarge)
        #expect(value?.field == "value")
    }

    @Test func deepNestingIsInvalidJSONNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let error = Request.decode(deep).failure
        #expect(error?.code == .invalidJSON)
        let nested = #"{"id":1,"op":"turn.post","session":"s","content":"","metadata":"# + String(repeating: #"{"a":"#, count: 70) + "1" + String(repeating: "}", count: 71)
        #expect(Request.decode(nested).failure?.code == .invalidJSON)
    }

    @Test func invalidUTF8IsInvalidJSON() {
        let bytes: [UInt8] = Array(#"{"id":1,"op":"ping","x":""#.utf8) + [0xFF, 0x22, 0x7D]
        #expect(Request.decode(bytes).failure?.code == .invalidJSON)
    }

    @Test func hugeUnknownOpIsShortenedInTheMessage() {
        let op = String(repeating: "x", count: 10_000)
        let error = Request.decode(#"{"id":1,"op":"\#(op)"}"#).failure
        #expect(error?.code == .unknownOp)
        #expect((error?.message.utf8.count ?? .max) < 200)
    }

    @Test func randomBytesNeverCrash() throws {
        var generator = SystemRandomNumberGenerator()
        let seeds = [#"{"id":1,"op":"turn.post","session":"s","content":"x","tokens":{"input":1}}"#,
                     #"{"id":"r","op":"history","session":"s","from":1,"to":2}"#]
        for seed in seeds {
            let base = Array(seed.utf8)
            for _ in 0..<2_000 {
                var bytes = base
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                switch Request.decode(bytes) {
                case .success(let request):
                    let again = try Request.decode(request.encode()).get()
                    #expect(again == request)
                case .failure(let error): #expect(!error.message.isEmpty)
                }
            }
        }
    }
}
