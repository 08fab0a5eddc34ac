import Testing
import TandemJSON
@testable import TandemProtocol

/// `Request.decode(bytes)` reads plain `turn.post` requests without the general machinery; it must
/// answer exactly as the general path (`Request.decode(JSONValue)`) does, for good and bad input.
@Suite struct PlainPostFastPathTests {
    /// Small limits so the size checks are reachable with short texts.
    static let limits: ProtocolLimits = {
        var l = ProtocolLimits.default
        l.maxTurnContentBytes = 20
        l.maxIdentifierBytes = 12
        l.maxRequestIDBytes = 8
        return l
    }()

    static func general(_ text: String) -> Result<Request, ProtocolError>? {
        guard let value = try? JSONValue(parsing: text, maxDepth: limits.maxJSONDepth) else { return nil }
        return Request.decode(value, limits: limits)
    }

    static let texts: [String] = [
        // Taken by the fast path.
        #"{"id":1,"op":"turn.post","session":"s-1","content":"hello"}"#,
        #"{"content":"hello","session":"s-1","op":"turn.post","id":"abc"}"#,
        #"{"id":2,"op":"turn.post","session":"s-1","content":"","role":"tool","nonce":"a.b:c_d-1"}"#,
        #"{ "id" : -9007199254740991 , "op" : "turn.post" , "session" : "s" , "content" : "line\nnext \u00e9 \ud83d\ude00" }"#,
        "{\"id\":3,\"op\":\"turn.post\",\"session\":\"s\",\"content\":\"héllo\"}",
        // Refused by both, each in its own way.
        #"{"id":1,"op":"turn.post","session":"","content":"x"}"#,
        #"{"id":1,"op":"turn.post","session":"s\u0001","content":"x"}"#,
        #"{"id":1,"op":"turn.post","session":"s\u007f","content":"x"}"#,
        #"{"id":1,"op":"turn.post","session":"thirteen-long","content":"x"}"#,
        #"{"id":1,"op":"turn.post","session":"s","content":"\#(String(repeating: "c", count: 21))"}"#,
        #"{"id":1,"op":"turn.post","session":"s","content":"x","role":"robot"}"#,
        #"{"id":1,"op":"turn.post","session":"s","content":"x","nonce":""}"#,
        #"{"id":1,"op":"turn.post","session":"s","content":"x","nonce":"a b"}"#,
        #"{"id":1,"op":"turn.post","session":"s","content":"x","nonce":"\#(String(repeating: "n", count: 65))"}"#,
        #"{"id":9007199254740992,"op":"turn.post","session":"s","content":"x"}"#,
        #"{"id":"nine-long","op":"turn.post","session":"s","content":"x"}"#,
        #"{"id":"","op":"turn.post","session":"s","content":"x"}"#,
        #"{"id":1.5,"op":"turn.post","session":"s","content":"x"}"#,
        #"{"id":1,"op":"turn.post","session":"s"}"#,
        #"{"id":1,"op":"turn.post","content":"x"}"#,
        #"{"op":"turn.post","session":"s","content":"x"}"#,
        #"{"id":1,"op":"turn.post","session":"s","content":7}"#,
        #"{"id":1,"op":"turn.post","session":"s","content":"x","colour":"red"}"#,
        // Valid, but left to the general path (null, nested values, duplicates, other ops).
        #"{"id":1,"op":"turn.post","session":"s","content":"x","role":null}"#,
        #"{"id":1,"op":"turn.post","session":"s","content":"x","nonce":null}"#,
        #"{"id":1,"op":"turn.post","session":"s","content":"x","tokens":{"input":3}}"#,
        #"{"id":1,"op":"turn.post","session":"s","content":"x","metadata":{"k":[1,2]}}"#,
        #"{"id":1,"op":"turn.post","session":"s","content":"x","content":"y"}"#,
        #"{"id":1,"id":2,"op":"turn.post","session":"s","content":"x"}"#,
        #"{"id":1,"op":"ping"}"#,
        #"{"id":1,"op":"turn.post","op":"ping","session":"s","content":"x"}"#,
        // Read by the general path alone: an escape in a key or in the op.
        #"{"i\u0064":1,"op":"turn.post","session":"s","content":"x"}"#,
        #"{"id":1,"op":"turn\u002epost","session":"s","content":"x"}"#,
    ]

    @Test(arguments: texts)
    func agreesWithTheGeneralPath(_ text: String) throws {
        let expected = try #require(Self.general(text))
        #expect(Request.decode(text, limits: Self.limits) == expected)
    }

    static func plain(_ text: String) -> Request? {
        // Safe: the pointer is lent to the call only and not kept.
        Array(text.utf8).withUnsafeBytes { Request.plainPostTurn($0, limits: limits) }
    }

    @Test func takesThePlainShapeAndLeavesTheRest() throws {
        let request = try #require(Self.plain(Self.texts[2]))
        #expect(request == Request(id: 2, operation: .turnPost(PostTurnParams(session: "s-1", role: .tool, content: "", nonce: "a.b:c_d-1"))))
        for text in Self.texts.prefix(5) {
            #expect(Self.plain(text) != nil, "\(text)")
        }
        for text in Self.texts.suffix(10) {
            #expect(Self.plain(text) == nil, "\(text)")
        }
        // Not JSON: left to the parser, which refuses it.
        let trailing = #"{"id":1,"op":"turn.post","session":"s","content":"x"} {}"#
        #expect(Self.plain(trailing) == nil)
        guard case .failure(let error) = Request.decode(trailing, limits: Self.limits) else {
            Issue.record("text after the object was accepted")
            return
        }
        #expect(error.code == .invalidJSON)
    }

    /// Mutations of plain posts (bytes replaced, dropped, duplicated) reach the odd corners: both
    /// paths must still give the same answer, including the same error and offset.
    @Test func randomMutationsAgree() {
        var generator = SplitMix(seed: 0x7A4D)
        let alphabet = Array(#"{}[]":,\ 0123456789-.eEtrufalsn"idopcntesiorlx"#.utf8) + [0x00, 0x1F, 0x7F, 0xC3, 0xA9, 0xFF]
        var checked = 0
        for round in 0..<4000 {
            var bytes = Array(Self.texts[round % 5].utf8)
            for _ in 0..<(1 + Int(generator.next() % 3)) {
                let at = Int(generator.next() % UInt64(bytes.count))
                switch generator.next() % 3 {
                case 0: bytes[at] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: at)
                default: bytes.insert(bytes[at], at: at)
                }
                if bytes.isEmpty { bytes = [0x7B] }
            }
            let fast = Request.decode(bytes, limits: Self.limits)
            do {
                let value = try JSONValue(parsing: bytes, maxDepth: Self.limits.maxJSONDepth)
                #expect(fast == Request.decode(value, limits: Self.limits), "\(String(decoding: bytes, as: UTF8.self))")
                checked += 1
            } catch {
                // Not JSON: the fast path must leave it to the parser, which says where and why.
                #expect(fast == .failure(ProtocolError(id: nil, code: .invalidJSON, message: "\(error)")),
                        "\(String(decoding: bytes, as: UTF8.self))")
            }
        }
        #expect(checked > 500)
    }
}

/// A small deterministic generator (SplitMix64) so failures replay.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
