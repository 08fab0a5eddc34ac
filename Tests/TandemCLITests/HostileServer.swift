import Foundation
import TandemJSON
import TandemTransport

/// A server that speaks just enough `tandem.v1` (real sockets, TandemTransport's own server) to hand
/// the terminal client hostile text: in error messages, close reasons, ids, turn content and a
/// refused handshake. What it does is chosen by the token the client presents (`--token MODE`).
final class HostileServer: Sendable {
    /// What a terminal obeys: ESC sequences (retitle the window, clear the screen), BEL, CR LF (a
    /// line of its own), DEL, a C1 CSI (U+009B), a bidi override and isolate, and the line and
    /// paragraph separators.
    static let text = "evil\u{1B}]0;pwned\u{07}\u{1B}[2J\r\nfake line\u{7F}\u{9B}31m\u{202E}desrever\u{2066}iso\u{2069}\u{2028}para\u{2029}end"
    /// What an identifier can carry past the client's decoder (it refuses C0 controls and DEL in ids).
    static let id = "mal\u{9B}2J\u{202E}lory\u{2066}\u{2028}x\u{2029}"
    /// A close reason (at most 123 bytes).
    static let reason = "bye\u{1B}]0;pwned\u{07}\u{1B}[2J\u{9B}31m\u{202E}desrever\u{2028}end"
    /// An HTTP reason phrase as far as the client's reader takes one (it refuses C0 controls and DEL
    /// in the status line, which it then does not quote).
    static let phrase = "no\u{9B}2J\u{202E}way\u{2066}\u{2028}x\u{2029}"

    enum Mode: String, Sendable {
        /// Refuses the upgrade: 403 with a hostile reason phrase and body.
        case refuse
        /// Answers every request but `ping` with `forbidden` and a hostile message.
        case refuseRequests = "refuse-requests"
        /// `session.list` and `session.create` answer sessions with hostile ids and titles.
        case sessions
        /// After the join (hostile turn and author), a hostile turn event, then close 1008 with a hostile reason.
        case tailClose = "tail-close"
        /// After the join, the session's `deleted` event by a hostile user id.
        case tailDeleted = "tail-deleted"
        /// The first `turn.post` is refused with a hostile message; the next one gets close 1008 with a hostile reason.
        case view
    }

    private let server: WebSocketServer
    let port: UInt16

    init() throws {
        var configuration = TransportConfiguration(host: "127.0.0.1", port: 0, loopCount: 1)
        configuration.upgrade.subprotocols = ["tandem.v1"]
        server = try WebSocketServer(configuration: configuration, application: Application())
        port = try server.start()
    }

    var url: String { "ws://127.0.0.1:\(port)/ws" }

    func stop() { server.shutdown(grace: 0.2) }

    private struct Application: WebSocketApplication {
        func shouldUpgrade(_ request: HTTPRequest, subprotocol: String?) -> UpgradeDecision {
            let token = request.header("Authorization").map { String($0.dropFirst("Bearer ".count)) } ?? ""
            let mode = Mode(rawValue: token) ?? .refuseRequests
            if mode == .refuse {
                return .reject(HTTPResponse(status: 403, reason: HostileServer.phrase, headers: [("Content-Type", "text/plain")],
                                            body: Array(HostileServer.text.utf8)))
            }
            return .accept(context: mode)
        }

        func received(_ message: WebSocketMessage, on connection: WebSocketConnection) {
            guard let text = message.string, let request = try? JSONValue(parsing: text),
                  let id = request["id"], let op = request["op"]?.stringValue,
                  let mode = connection.context as? Mode else { return }
            func answer(_ result: [String: JSONValue]) {
                connection.send(text: JSONValue.object(["id": id, "ok": .bool(true), "result": .object(result)]).serialized())
            }
            func refuse(_ code: String) {
                let error = JSONValue.object(["code": .string(code), "message": .string(HostileServer.text)])
                connection.send(text: JSONValue.object(["id": id, "ok": .bool(false), "error": error]).serialized())
            }
            if op == "ping" { return answer(["time": .integer(1_763_800_000_000), "user": .string("alice")]) }
            switch (mode, op) {
            case (.sessions, "session.list"):
                answer(["sessions": .array([Self.session(id: HostileServer.id)])])
            case (.sessions, "session.create"):
                answer(["session": Self.session(id: HostileServer.id)])
            case (.tailClose, "session.join"), (.tailDeleted, "session.join"), (.view, "session.join"):
                answer(["backlog": .integer(0), "head_eseq": .integer(1), "head_seq": .integer(1), "online": .array([.string(HostileServer.id)]),
                        "role": .string("write"), "session": Self.session(id: "s1"), "turns": .array([.object(Self.turn(seq: 1))])])
                if mode == .tailClose {
                    var event = Self.turn(seq: 2)
                    event["event"] = .string("turn")
                    event["session"] = .string("s1")
                    event["eseq"] = .integer(2)
                    connection.send(text: JSONValue.object(event).serialized())
                    connection.close(code: 1008, reason: HostileServer.reason)
                } else if mode == .tailDeleted {
                    connection.send(text: JSONValue.object(["event": .string("session"), "session": .string("s1"), "eseq": .integer(2),
                                                            "change": .string("deleted"), "by": .string(HostileServer.id),
                                                            "info": Self.session(id: "s1")]).serialized())
                }
            case (.view, "turn.post"):
                // The view posts "hello" first, then "again".
                if request["content"]?.stringValue == "hello" { refuse("forbidden") } else { connection.close(code: 1008, reason: HostileServer.reason) }
            default:
                refuse("forbidden")
            }
        }

        static func session(id: String) -> JSONValue {
            .object(["created": .integer(1_763_800_000_000), "head_eseq": .integer(1), "head_seq": .integer(1), "id": .string(id),
                     "metadata": .object([:]), "owner": .string(HostileServer.id), "role": .string("owner"), "status": .string("active"),
                     "title": .string(HostileServer.text), "updated": .integer(1_763_800_000_000)])
        }

        static func turn(seq: Int64) -> [String: JSONValue] {
            ["author": .string(HostileServer.id), "content": .string(HostileServer.text), "created": .integer(1_763_800_000_000 + seq),
             "role": .string("user"), "seq": .integer(seq)]
        }
    }
}
