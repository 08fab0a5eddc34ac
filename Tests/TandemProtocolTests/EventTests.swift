import Testing
import TandemJSON
@testable import TandemProtocol

@Suite struct EventTests {
    @Test(arguments: Fixtures.events)
    func everyEventRoundTrips(_ event: Event) throws {
        let bytes = event.encode()
        #expect(try ServerMessage.decode(bytes) == .event(event))
        #expect(bytes == event.json.serializedBytes(), "fast and generic paths agree")
        let object = try JSONValue(parsing: bytes)
        #expect(object["id"] == nil, "events carry no id")
        #expect(object["event"]?.stringValue == event.name.rawValue)
        #expect((object["eseq"] != nil) == event.name.isDurable)
    }

    @Test func everyEventKindHasAFixture() {
        #expect(Set(Fixtures.events.map(\.name)) == Set(EventName.allCases))
    }

    @Test func turnFastPathMatchesGenericSerialization() throws {
        let turns = [
            Fixtures.turn, Fixtures.undoneTurn,
            TurnDTO(seq: .max, author: "a\"b\\c", role: .system, content: String(repeating: "\u{7}\u{0}x", count: 50),
                    metadata: ["nested": ["deep": [1.25, -0.0, 1e300, .integer(.min)]]],
                    tokens: TokenCounts(input: 0, output: .max), created: 0, nonce: nil),
            TurnDTO(seq: 1, author: "u", role: .user, content: "", metadata: [:], created: 0),
        ]
        for turn in turns {
            let fast = Event.encodeTurn(session: "sé\u{2028}ss", eseq: 9_007_199_254_740_993, turn: turn)
            let generic = Event(session: "sé\u{2028}ss", eseq: 9_007_199_254_740_993, payload: .turn(turn)).json.serializedBytes()
            #expect(fast == generic)
            #expect(try ServerMessage.decode(fast) == .event(Event(session: "sé\u{2028}ss", eseq: 9_007_199_254_740_993, payload: .turn(turn))))
        }
    }

    /// Empty metadata and zero tokens stay off the wire (every member receives every turn event);
    /// any other value is written, and readers restore the defaults.
    @Test func turnLeavesOutEmptyMetadataAndZeroTokens() throws {
        let plain = TurnDTO(seq: 4, author: "u", role: .user, content: "hi", created: 7)
        let event = Event.encodeTurn(session: "s", eseq: 9, turn: plain)
        #expect(String(decoding: event, as: UTF8.self)
                == #"{"author":"u","content":"hi","created":7,"eseq":9,"event":"turn","role":"user","seq":4,"session":"s"}"#)
        #expect(try ServerMessage.decode(event) == .event(Event(session: "s", eseq: 9, payload: .turn(plain))))
        let answer = try JSONValue(parsing: Response.encodePostTurn(id: .int(1), PostTurnResult(turn: plain, eseq: 9)))
        #expect(answer["result"]?["turn"]?["metadata"] == nil && answer["result"]?["turn"]?["tokens"] == nil)

        for tokens in [TokenCounts(input: 0, output: 1), TokenCounts(input: 1, output: 0)] {
            var turn = plain
            turn.tokens = tokens
            let object = try JSONValue(parsing: Event.encodeTurn(session: "s", eseq: 9, turn: turn))
            #expect(object["tokens"] == tokens.json && object["metadata"] == nil)
        }
        var tagged = plain
        tagged.metadata = ["k": [:]]
        let object = try JSONValue(parsing: Event.encodeTurn(session: "s", eseq: 9, turn: tagged))
        #expect(object["metadata"] == ["k": [:]] && object["tokens"] == nil)
    }

    /// Every member receives every presence event: it names who changed and how many are online,
    /// never the list, so its size does not grow with the crowd.
    @Test func presenceCarriesTheChangeNotTheList() throws {
        let joined = Event(session: "s-1", eseq: nil, payload: .presence(PresenceChange(user: "bob", action: .joined, onlineCount: 2)))
        #expect(String(decoding: joined.encode(), as: UTF8.self)
                == #"{"action":"joined","event":"presence","online_count":2,"session":"s-1","user":"bob"}"#)
        let left = Event(session: "s-1", eseq: nil, payload: .presence(PresenceChange(user: "bob", action: .left, onlineCount: 0)))
        #expect(String(decoding: left.encode(), as: UTF8.self)
                == #"{"action":"left","event":"presence","online_count":0,"session":"s-1","user":"bob"}"#)
        let crowd = Event(session: "s-1", eseq: nil, payload: .presence(PresenceChange(user: "bob", action: .joined, onlineCount: 100_000)))
        #expect(crowd.encode().count == joined.encode().count + 5, "only the count's digits grow")

        let decoded = try ServerMessage.decode(#"{"action":"left","event":"presence","online_count":7,"session":"s","user":"u1"}"#)
        #expect(decoded == .event(Event(session: "s", eseq: nil, payload: .presence(PresenceChange(user: "u1", action: .left, onlineCount: 7)))))
        // The count is required and never negative.
        for bad in [#"{"action":"left","event":"presence","session":"s","user":"u1"}"#,
                    #"{"action":"left","event":"presence","online_count":-1,"session":"s","user":"u1"}"#] {
            #expect(throws: (any Error).self, "\(bad)") { try ServerMessage.decode(bad) }
        }
    }

    @Test func integersOfEverySizeWriteLikeString() {
        for value: Int64 in [0, 1, -1, 9, 10, -10, 99, 100, 123_456_789, .max, .min, .max - 1, .min + 1] {
            var out: [UInt8] = []
            ByteWriter.int(value, &out)
            #expect(String(decoding: out, as: UTF8.self) == String(value))
        }
    }

    @Test func fastStringsMatchJSONWriter() {
        var samples = ["", "plain", "\"", "\\", "a\"b\\c", "\n\r\t\u{8}\u{c}\u{0}\u{1f}\u{7f}", "é😀\u{2028}", "x\u{0}"]
        var generator = SystemRandomNumberGenerator()
        let alphabet: [Character] = ["a", "\"", "\\", "\n", "\u{1}", "é", "😀", " ", "\u{1f}", "/"]
        for _ in 0..<500 {
            samples.append(String((0..<Int.random(in: 0...20, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }))
        }
        for sample in samples {
            var fast: [UInt8] = []
            ByteWriter.string(sample, &fast)
            var reference: [UInt8] = []
            JSONWriter.writeString(sample, into: &reference)
            #expect(fast == reference, "\(sample.debugDescription)")
        }
    }

    /// The eight-bytes-at-a-time scan finds the same first escape as a byte-by-byte one, wherever
    /// it sits in a word and whatever bytes surround it (UTF-8 lead and continuation bytes too).
    @Test func wordWiseEscapeScanMatchesBytewise() {
        var generator = SystemRandomNumberGenerator()
        let interesting: [UInt8] = [0x00, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7F, 0x80, 0xA2, 0xDC, 0xFF, 0x61]
        for _ in 0..<5_000 {
            let count = Int.random(in: 0...40, using: &generator)
            let bytes: [UInt8] = (0..<count).map { _ in
                Bool.random(using: &generator) ? interesting.randomElement(using: &generator)! : UInt8.random(in: 0x23...0xFF, using: &generator)
            }
            let start = count == 0 ? 0 : Int.random(in: 0...count, using: &generator)
            let expected = bytes[start...].firstIndex { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C } ?? count
            // Safe: the pointer is lent to the call only and not kept.
            bytes.withUnsafeBufferPointer { #expect(ByteWriter.nextEscape($0, from: start) == expected, "\(bytes) from \(start)") }
        }
    }

    @Test func postTurnResponseFastPathMatchesGeneric() throws {
        for turn in [Fixtures.turn, Fixtures.undoneTurn] {
            for id: RequestID in [0, -5, "a\"b", .int(RequestID.maxIntegerMagnitude)] {
                for duplicate in [false, true] {
                    let result = PostTurnResult(turn: turn, eseq: 77, duplicate: duplicate)
                    #expect(Response.encodePostTurn(id: id, result) == Response.success(id: id, result).encode())
                }
            }
        }
    }

    /// The measured size and the bytes written into a buffer of that size match the array form
    /// (so the frame the server fills is exactly the message), escapes and metadata included.
    @Test func turnMessagesWriteExactlyTheirMeasuredSize() {
        let turns = [
            Fixtures.turn, Fixtures.undoneTurn,
            TurnDTO(seq: 12_345, author: "a\"b\\c\u{1}", role: .tool, content: "é😀\u{2028}\n\t\"x\"", metadata: ["k": ["\u{0}", 2.5]],
                    tokens: TokenCounts(input: 9, output: 10), created: -1, nonce: "n-1"),
        ]
        for turn in turns {
            let messages = [
                TurnMessage.event(session: "s\"1", eseq: 1_000_000_000_000, turn: turn),
                TurnMessage.postAnswer(id: "r\u{1f}", PostTurnResult(turn: turn, eseq: 3, duplicate: true)),
                TurnMessage.postAnswer(id: .int(-7), PostTurnResult(turn: turn, eseq: 3)),
            ]
            for message in messages {
                let bytes = message.bytes
                #expect(message.byteCount == bytes.count)
                // Safe: write(into:) fills exactly byteCount bytes (its precondition), the capacity asked for
                let written = [UInt8](unsafeUninitializedCapacity: message.byteCount) { buffer, count in
                    message.write(into: UnsafeMutableRawBufferPointer(buffer))
                    count = message.byteCount
                }
                #expect(written == bytes)
            }
        }
    }

    /// The post path encodes a turn once and builds both the event and the answer from it: each is the
    /// generic serialization, whichever of the fields the event's own (`eseq`, `event`, `session`) fall
    /// between, and writing one message leaves the encoding as it was for the other.
    @Test func eventAndAnswerFromOneEncodedTurnMatchTheGenericForms() throws {
        let turns = [
            Fixtures.turn, Fixtures.undoneTurn,
            TurnDTO(seq: 12_345, author: "a\"b\\c\u{1}", role: .tool, content: "é😀\u{2028}\n\t\"x\"", metadata: ["k": ["\u{0}", 2.5]],
                    tokens: TokenCounts(input: 9, output: 10), created: -1, nonce: "n-1"),
            TurnDTO(seq: 2, author: "u", role: .assistant, content: "", created: 0, nonce: "z", undone: true, state: .cleared),
        ]
        for turn in turns {
            let fields = EncodedTurn(turn)
            for duplicate in [false, true] {
                let event = TurnMessage.event(session: "s\"1", eseq: 77, fields: fields)
                let answer = TurnMessage.postAnswer(id: "r\u{1f}", eseq: 77, duplicate: duplicate, fields: fields)
                #expect(event.bytes == Event(session: "s\"1", eseq: 77, payload: .turn(turn)).json.serializedBytes())
                #expect(answer.bytes == Response.success(id: "r\u{1f}", PostTurnResult(turn: turn, eseq: 77, duplicate: duplicate)).encode())
                for message in [event, answer] {
                    // Safe: as above
                    let written = [UInt8](unsafeUninitializedCapacity: message.byteCount) { buffer, count in
                        message.write(into: UnsafeMutableRawBufferPointer(buffer))
                        count = message.byteCount
                    }
                    #expect(written == message.bytes)
                }
            }
        }
    }

    @Test func durableEventsNeedAnEseq() {
        let text = #"{"event":"turn.undone","session":"s","seq":3,"by":"a"}"#
        #expect(throws: WireError.self) { try ServerMessage.decode(text) }
    }

    @Test func clientsIgnoreUnknownEventsAndFields() throws {
        let unknown = try ServerMessage.decode(#"{"event":"typing","session":"s","user":"bob"}"#)
        guard case .unknownEvent(let name, _) = unknown else {
            Issue.record("expected unknownEvent")
            return
        }
        #expect(name == "typing")
        let extra = try ServerMessage.decode(#"{"event":"turn.undone","session":"s","eseq":4,"seq":3,"by":"a","reason":"typo"}"#)
        #expect(extra == .event(Event(session: "s", eseq: 4, payload: .turnUndone(TurnUndone(seq: 3, by: "a")))))
    }

    @Test func memberEventSaysRemovedExplicitly() throws {
        let removed = Event(session: "s", eseq: 2, payload: .member(MemberChange(user: "u", role: nil, by: "o")))
        let object = try JSONValue(parsing: removed.encode())
        #expect(object["removed"] == true)
        #expect(object["role"] == nil)
        #expect(throws: WireError.self) {
            try ServerMessage.decode(#"{"event":"member","session":"s","eseq":2,"user":"u","by":"o"}"#)
        }
    }

    @Test func malformedServerMessagesThrow() {
        for text in ["[]", #"{"hello":1}"#, #"{"event":5}"#, #"{"event":"turn","session":"s","eseq":1}"#,
                     #"{"id":1,"ok":true,"result":[]}"#, #"{"id":1,"ok":false,"error":{"code":"x"}}"#, "nope"] {
            #expect(throws: (any Error).self, "\(text)") { try ServerMessage.decode(text) }
        }
    }
}
