import Foundation
import TandemJSON
import TandemTransport
import Testing

extension EndToEnd {
    /// protocol.md, "Framing" and "Error codes": bad input gets its documented answer, and the
    /// server keeps serving everyone else.
    @Suite("Malformed input") struct MalformedInputTests {
        /// Proves the server still serves: a member posts, another receives it.
        private func stillServing(_ poster: TandemTestClient, _ observer: TandemTestClient, _ note: String) throws {
            let posted = try poster.ok("turn.post", ["session": "s-bad", "content": .string("after \(note)")])
            let eseq = try posted.int("eseq")
            var seen = false
            while let event = observer.nextEvent(timeout: 5) {
                if event["eseq"]?.intValue == eseq { seen = true; break }
            }
            #expect(seen, "after \(note), the observer still receives turns")
        }

        @Test("bad requests are answered with their error code; the connection stays usable")
        func badRequestsAreAnswered() throws {
            let harness = try TestServer { $0.maxMessageBytes = 64 << 10; $0.maxTurnContentBytes = 8 << 10 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-bad", owner: alice)
            let client = try harness.connect(alice)
            let observer = try harness.connect(alice, label: "observer")
            try observer.ok("session.join", ["session": "s-bad"])

            func anonymous(_ text: String) throws -> JSONValue {
                try client.sendText(text)
                return try client.anonymousResponse()
            }
            let notJSON = try anonymous(#"{"id":1,"op":"#)
            #expect(notJSON["ok"] == false && notJSON["error"]?["code"] == "invalid_json" && notJSON["id"] == .null, "\(notJSON)")
            #expect(try anonymous("[1,2,3]")["error"]?["code"] == "bad_request")
            #expect(try anonymous(#"{"op":"ping"}"#)["error"]?["code"] == "bad_request", "id missing")
            #expect(try anonymous(#"{"id":{"x":1},"op":"ping"}"#)["error"]?["code"] == "bad_request", "id of the wrong type")
            let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
            #expect(try anonymous(#"{"id":5,"op":"ping","x":"# + deep + "}")["error"]?["code"] == "invalid_json", "nesting beyond max_json_depth")

            // Keys differing only in Unicode normalization would collapse into one member.
            let respelled = try anonymous(#"{"id":6,"op":"state.put","session":"s-bad","key":"k","value":{"\u00e9":1,"e\u0301":2},"base":0}"#)
            #expect(respelled["error"]?["code"] == "invalid_json" && respelled["id"] == .null, "\(respelled)")
            // A number out of range is refused, not rounded; the answer still carries the request's id.
            try client.sendText(#"{"id":"big","op":"state.put","session":"s-bad","key":"n","value":{"id":18446744073709551615},"base":0}"#)
            let big = try client.response(toStringID: "big")
            #expect(big["error"]?["code"] == "invalid_json", "\(big)")
            #expect(big["error"]?["message"]?.stringValue?.contains("send it as a string") == true, "\(big)")
            try client.sendText(#"{"id":"inf","op":"state.put","session":"s-bad","key":"n","value":1e309,"base":0}"#)
            #expect(try client.response(toStringID: "inf")["error"]?["code"] == "invalid_json")

            try client.sendText(#"{"id":900001,"op":"turn.teleport"}"#)
            let unknown = try client.response(to: 900_001)
            #expect(unknown["error"]?["code"] == "unknown_op" && unknown["id"] == 900_001)
            try client.sendText(#"{"id":"str-id","op":"ping","bogus":1}"#)
            #expect(try client.response(toStringID: "str-id")["error"]?["field"] == "bogus", "unknown fields are named")
            let tooLong = try client.request("turn.post", ["session": "s-bad", "content": .string(String(repeating: "x", count: 9 << 10))])
            #expect(tooLong["error"]?["code"] == "too_large")
            let wrongType = try client.request("turn.post", ["session": "s-bad", "content": 42])
            #expect(wrongType["error"]?["code"] == "invalid_argument" && wrongType["error"]?["field"] == "content")
            #expect(try client.errorCode("ping") == nil, "the connection is still open")
            try stillServing(client, observer, "bad requests")
        }

        @Test("an invalid_argument the store finds names the parameter at fault, as the wire's own checks do")
        func storeRefusalsNameTheirField() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-field", owner: alice)
            let client = try harness.connect(alice)
            try client.ok("turn.post", ["session": "s-field", "content": "one"])
            try client.ok("state.put", ["session": "s-field", "key": "plan", "value": 1, "base": 0])
            let cases: [(String, [String: JSONValue], String)] = [
                ("state.put", ["session": "s-field", "key": "plan", "value": 2, "base": 99], "base"),
                ("branch.create", ["session": "s-field", "at": 99], "at"),
                ("session.search", ["query": "\"unclosed"], "query"),
                ("session.search", ["query": "NOT zebra"], "query"),
                ("session.search", ["query": "plan", "cursor": "garbage"], "cursor"),
                ("session.list", ["cursor": "garbage"], "cursor"),
                ("session.import", ["document": ["format": "something else"]], "document"),
                ("session.import", ["document": ["format": "tandem.session", "version": 1, "session": ["id": "x"]]], "document"),
            ]
            for (op, params, field) in cases {
                let answer = try client.request(op, params)
                #expect(answer["error"]?["code"] == "invalid_argument" && answer["error"]?["field"] == .string(field), "\(op) \(params): \(answer)")
            }
        }

        @Test("the import request protocol.md shows is accepted as it is written, with the result it shows")
        func documentedImportWorks() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let client = try harness.connect(alice)
            let doc = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/protocol.md").path
            let lines = try String(contentsOfFile: doc, encoding: .utf8).split(separator: "\n").map(String.init)
            let request = try #require(lines.first { $0.hasPrefix(#"{"id":41,"op":"session.import""#) })
            let shown = try JSONValue(parsing: try #require(lines.first { $0.hasPrefix(#"{"id":41,"ok":true"#) }))
            let before = Int64(Date().timeIntervalSince1970 * 1000)
            try client.sendText(request)
            let answer = try client.response(to: 41)
            #expect(answer["ok"] == true, "\(answer)")
            // All as shown but `updated`, the time of the import (the document's is long before it).
            func withoutUpdated(_ v: JSONValue?) -> JSONValue? {
                guard case .object(var o)? = v else { return v }
                o["updated"] = nil
                return .object(o)
            }
            #expect(withoutUpdated(answer["result"]?["session"]) == withoutUpdated(shown["result"]?["session"]))
            #expect((answer["result"]?["session"]?["updated"]?.intValue ?? 0) >= before, "\(answer)")
        }

        @Test("binary frames close with 1003, invalid UTF-8 with 1007, oversized messages with 1009")
        func badFramesClose() throws {
            let harness = try TestServer { $0.maxMessageBytes = 64 << 10; $0.maxTurnContentBytes = 8 << 10 }
            defer { harness.stop() }
            let alice = try harness.user("alice")
            try harness.session("s-bad", owner: alice)
            let poster = try harness.connect(alice, label: "poster")
            let observer = try harness.connect(alice, label: "observer")
            try observer.ok("session.join", ["session": "s-bad"])

            let cases: [(String, UInt16, (TandemTestClient) throws -> Void)] = [
                ("binary frame", 1003, { try $0.socket.send(binary: Array(#"{"id":1,"op":"ping"}"#.utf8)) }),
                ("invalid UTF-8", 1007, { try $0.socket.send(opcode: .text, payload: [0x7b, 0xff, 0xfe, 0x7d]) }),
                ("oversized message", 1009, { try $0.sendText(#"{"id":1,"op":"ping","pad":""# + String(repeating: "y", count: 100 << 10) + #""}"#) }),
            ]
            for (name, code, misbehave) in cases {
                let victim = try harness.connect(alice, label: name)
                try victim.ok("session.join", ["session": "s-bad"])
                try misbehave(victim)
                let closed = try #require(victim.waitForClose(timeout: 3), "\(name): not closed")
                #expect(closed.code == code, "\(name): \(closed)")
                try stillServing(poster, observer, name)
            }
        }
    }
}
