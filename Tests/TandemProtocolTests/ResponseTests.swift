import Testing
import TandemJSON
@testable import TandemProtocol

@Suite struct ResponseTests {
    @Test func everyResultTypeRoundTrips() throws {
        for (name, check) in Fixtures.results {
            #expect(try check(42), "\(name)")
            #expect(try check("r-1"), "\(name)")
        }
    }

    @Test(arguments: [RequestID.int(7), .int(-1), .string("r-\"1\""), .string("é")])
    func exportEnvelopeIsTheGenericAnswerAroundTheDocument(id: RequestID) {
        let document: JSONValue = ["format": "tandem.session", "turns": [["seq": 1, "content": "a\nb"]], "version": 1]
        let (prefix, suffix) = ExportResult.envelope(id: id)
        #expect(prefix + document.serializedBytes() + suffix == Response.success(id: id, ExportResult(document: document)).encode())
    }

    @Test func successShape() throws {
        let bytes = Response.success(id: 7, PongResult(time: 5)).encode()
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"id":7,"ok":true,"result":{"time":5}}"#)
    }

    @Test func errorShapeAndRoundTrip() throws {
        let response = Response.failure(id: "a", .rateLimited, "slow down", retryAfterMs: 250)
        let text = String(decoding: response.encode(), as: UTF8.self)
        #expect(text == #"{"error":{"code":"rate_limited","message":"slow down","retry_after_ms":250},"id":"a","ok":false}"#)
        #expect(try ServerMessage.decode(text) == .response(response))
        let withField = Response.failure(id: 1, .invalidArgument, "bad", field: "tokens.input")
        #expect(try ServerMessage.decode(withField.encode()) == .response(withField))
    }

    @Test func unreadableIdIsAnsweredWithNull() throws {
        let error = Request.decode("not json").failure!
        let text = String(decoding: error.response.encode(), as: UTF8.self)
        #expect(text.hasPrefix(#"{"error":{"code":"invalid_json","#))
        #expect(text.contains(#""id":null"#))
        guard case .response(let response) = try ServerMessage.decode(text) else {
            Issue.record("not a response")
            return
        }
        #expect(response.id == nil)
    }

    @Test func failedResponseThrowsItsCodeToTheClient() {
        let response = Response.failure(id: 3, .sessionPaused, "session s is paused")
        #expect(throws: ProtocolError(id: 3, code: .sessionPaused, message: "session s is paused")) {
            try response.result(as: PostTurnResult.self)
        }
    }

    @Test func resultOfTheWrongShapeThrows() {
        let response = Response.success(id: 1, PongResult(time: 1))
        #expect(throws: WireError.self) { try response.result(as: PostTurnResult.self) }
    }

    @Test func unknownErrorCodeReadsAsInternalKeepingTheOriginal() throws {
        let message = try ServerMessage.decode(#"{"id":1,"ok":false,"error":{"code":"teapot","message":"short and stout"}}"#)
        guard case .response(let response) = message, case .failure(let body) = response.body else {
            Issue.record("expected a failed response")
            return
        }
        #expect(body.code == .internal)
        #expect(body.message == "[teapot] short and stout")
    }

    @Test func mergeConflictKeepsAbsentApartFromNull() throws {
        let conflict = MergeConflictDTO(path: "/a", base: nil, current: .null, proposed: 1)
        let object = conflict.json
        #expect(object["base"] == nil)
        #expect(object["current"] == .null)
        #expect(try MergeConflictDTO(json: object) == conflict)
    }

    /// A text conflict's regions travel as `[first, count]` per side; `lines_more` only when cut;
    /// an answer without them (a server before them) reads as none.
    @Test func textConflictLinesTravelAsFirstAndCount() throws {
        let region = ConflictingLinesDTO(base: 4..<5, current: 4..<6, proposed: 4..<4)
        let conflict = MergeConflictDTO(path: "/doc", base: "a", current: "b", proposed: "c", lines: [region])
        #expect(conflict.json.serialized() == #"{"base":"a","current":"b","lines":[{"base":[4,1],"current":[4,2],"proposed":[4,0]}],"path":"/doc","proposed":"c"}"#)
        #expect(try MergeConflictDTO(json: conflict.json) == conflict)
        var cut = conflict
        cut.linesMore = true
        #expect(cut.json["lines_more"] == true)
        #expect(try MergeConflictDTO(json: cut.json) == cut)
        let old = try MergeConflictDTO(json: ["path": "/doc", "base": "a", "current": "b", "proposed": "c"])
        #expect(old.lines == nil && !old.linesMore)
        for bad: JSONValue in [[4], [4, -1], [-1, 1], [4, 1.5], "4,1", [4, 1, 2], [.integer(.max), 1]] {
            #expect(throws: WireError.self) {
                try MergeConflictDTO(json: ["path": "", "lines": [["base": bad, "current": [0, 1], "proposed": [0, 1]]]])
            }
        }
    }
}

@Suite struct CodeTableTests {
    @Test func errorCodesAreSnakeCaseAndUnique() {
        let raw = ErrorCode.allCases.map(\.rawValue)
        #expect(Set(raw).count == raw.count)
        for code in raw { #expect(code.allSatisfy { $0.isLowercase || $0 == "_" }, "\(code)") }
        #expect(ErrorCode.rateLimited.isRetryable && !ErrorCode.forbidden.isRetryable)
    }

    @Test func closeCodesAreStandardOrTandemRange() {
        for code in CloseCode.allCases {
            #expect((1000...1015).contains(code.rawValue) || (4000...4999).contains(code.rawValue))
            #expect(code.reason.utf8.count <= 123, "close reasons must fit a control frame")
        }
        #expect(CloseCode.slowConsumer.advice == .reconnectNow)
        #expect(CloseCode.shareExpired.advice == .stop)
        #expect(CloseCode.goingAway.advice == .reconnectWithBackoff)
    }

    @Test func rolesAreOrdered() {
        #expect(Role.owner > .admin && Role.admin > .write && Role.write > .comment && Role.comment > .read)
        #expect(Role.allCases.sorted(by: >) == Role.allCases)
    }
}
