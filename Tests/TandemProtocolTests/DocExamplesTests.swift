import Foundation
import Testing
import TandemJSON
@testable import TandemProtocol

/// docs/protocol.md is the contract: every JSON line in its ```json blocks must be a valid message, every
/// documented result must have exactly the fields of its Swift type, and every op, event, error code and
/// close code must be documented.
@Suite struct DocExamplesTests {
    static let docPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/protocol.md").path

    static func document() throws -> String { try String(contentsOfFile: docPath, encoding: .utf8) }

    /// The example blocks, each as its lines.
    static func exampleBlocks() throws -> [[String]] {
        var blocks: [[String]] = []
        var current: [String]?
        for line in try document().split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "```json" { current = []; continue }
            if line == "```", let block = current { blocks.append(block); current = nil; continue }
            if !line.isEmpty { current?.append(String(line)) }
        }
        return blocks
    }

    @Test func everyExampleIsAValidMessage() throws {
        var requests: Set<OpName> = []
        var answered: Set<OpName> = []
        var events: Set<EventName> = []
        let blocks = try Self.exampleBlocks()
        #expect(blocks.map(\.count).reduce(0, +) >= 90, "the examples were found")
        for block in blocks {
            var previous: Request?
            for line in block {
                let value = try JSONValue(parsing: line)
                if value["op"] != nil {
                    let request = try #require(try? Request.decode(line).get(), "doc request rejected: \(line) — \(Request.decode(line))")
                    requests.insert(request.operation.name)
                    previous = request
                    continue
                }
                let message = try ServerMessage.decode(line)
                switch message {
                case .event(let event):
                    events.insert(event.name)
                    #expect(event.json == value, "event example has fields the type does not: \(line)")
                case .response(let response):
                    if let request = previous, request.id == response.id, case .success(let result) = response.body {
                        let type = request.operation.name.resultType
                        let typed = try type.init(json: result, strict: true, limits: .default)
                        #expect(typed.json == result, "\(request.operation.name.rawValue) result differs: \(line)")
                        answered.insert(request.operation.name)
                    }
                case .unknownEvent(let name, _):
                    Issue.record("undocumented event \(name)")
                }
                previous = nil
            }
        }
        #expect(requests == Set(OpName.allCases), "ops without a request example: \(Set(OpName.allCases).subtracting(requests))")
        let grouped: Set<OpName> = [.sessionResume, .sessionArchive, .memberSetRole]
        #expect(answered.union(grouped) == Set(OpName.allCases), "ops without a response example: \(Set(OpName.allCases).subtracting(answered).subtracting(grouped))")
        #expect(events == Set(EventName.allCases))
    }

    @Test func everyErrorAndCloseCodeIsDocumented() throws {
        let doc = try Self.document()
        for code in ErrorCode.allCases { #expect(doc.contains("| `\(code.rawValue)` |"), "\(code.rawValue)") }
        for code in CloseCode.allCases { #expect(doc.contains("| \(code.rawValue) |"), "\(code.rawValue)") }
        #expect(doc.contains(ProtocolVersion.subprotocol))
    }

    @Test func documentedLimitsMatchTheDefaults() throws {
        let doc = try Self.document()
        let limits = ProtocolLimits.default
        #expect(limits.maxMessageBytes == 1 << 20 && doc.contains("| `max_message_bytes` | 1 MiB |"))
        #expect(limits.maxTurnContentBytes == 256 * 1024 && doc.contains("| `max_turn_content_bytes` | 256 KiB |"))
        #expect(limits.maxJSONDepth == 64 && doc.contains("| `max_json_depth` | 64 |"))
        #expect(doc.contains("| `connections_per_user` | \(limits.connectionsPerUser) |"))
        #expect(limits.sessionsPerConnection == 64 && doc.contains("| `sessions_per_connection` | 64 |"))
        #expect(doc.contains("burst \(limits.requestBurst), \(limits.requestsPerSecond)/s"))
        #expect(doc.contains("| outbound queue per connection | \(limits.outboundQueueBytes >> 20) MiB |"))
        #expect(doc.contains("| `idle_timeout` | \(limits.idleTimeoutSeconds) s |"))
    }

    /// A few examples literally, so a reader of this file sees exactly what the doc promises.
    @Test func literalExamples() throws {
        let post = try Request.decode(#"{"id":13,"op":"turn.post","session":"s-1","role":"assistant","content":"Here is the plan.","metadata":{"model":"m-1"},"tokens":{"input":812,"output":95},"nonce":"7f3a9c2e-1"}"#).get()
        let params = PostTurnParams(
            session: "s-1", role: .assistant, content: "Here is the plan.", metadata: ["model": "m-1"],
            tokens: TokenCounts(input: 812, output: 95), nonce: "7f3a9c2e-1")
        #expect(post == Request(id: 13, operation: .turnPost(params)))

        let turn = TurnDTO(
            seq: 43, author: "alice", role: .assistant, content: "Here is the plan.", metadata: ["model": "m-1"],
            tokens: TokenCounts(input: 812, output: 95), created: 1_763_800_000_001, nonce: "7f3a9c2e-1")
        let event = #"{"author":"alice","content":"Here is the plan.","created":1763800000001,"eseq":58,"event":"turn","metadata":{"model":"m-1"},"nonce":"7f3a9c2e-1","role":"assistant","seq":43,"session":"s-1","tokens":{"input":812,"output":95}}"#
        #expect(String(decoding: Event.encodeTurn(session: "s-1", eseq: 58, turn: turn), as: UTF8.self) == event)
        #expect(try Self.document().contains(event))

        let error = #"{"error":{"code":"invalid_argument","field":"tokens.input","message":"turn.post: field 'tokens.input' must be >= 0, got -3"},"id":2,"ok":false}"#
        let produced = Request.decode(#"{"id":2,"op":"turn.post","session":"s-1","content":"x","tokens":{"input":-3}}"#).failure!
        #expect(String(decoding: produced.response.encode(), as: UTF8.self) == error)
        #expect(try Self.document().contains(error))

        let conflict = #"{"id":22,"ok":true,"result":{"conflicts":[{"base":"bob","current":"carol","path":"/owner","proposed":"dave"}],"current":{"author":"carol","key":"plan","updated":1763800000400,"value":{"owner":"carol","steps":["draft","review","ship"]},"version":6},"merged":{"due":"friday","owner":"carol","steps":["draft","review","ship"]},"outcome":"conflict"}}"#
        guard case .response(let response) = try ServerMessage.decode(conflict) else {
            Issue.record("not a response")
            return
        }
        let result = try response.result(as: StatePutResult.self)
        #expect(result.outcome == .conflict)
        if case .conflict(let current, let conflicts, let merged) = result {
            #expect(current?.version == 6)
            #expect(merged == ["due": "friday", "owner": "carol", "steps": ["draft", "review", "ship"]])
            #expect(conflicts == [MergeConflictDTO(path: "/owner", base: "bob", current: "carol", proposed: "dave")])
        }
    }
}
