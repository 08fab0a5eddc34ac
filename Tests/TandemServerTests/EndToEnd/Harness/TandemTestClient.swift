import Foundation
import Synchronization
import TandemJSON
import TandemTransport

/// How a test client authenticates at the upgrade.
enum ClientCredential: Sendable {
    /// `Authorization: Bearer TOKEN`.
    case bearer(String)
    /// `/ws?token=TOKEN` (what browsers use).
    case queryToken(String)
    /// `/ws?share=SECRET`.
    case shareQuery(String)
    /// `/s/SECRET` (the viewer page's own URL).
    case sharePath(String)
    /// Nothing at all.
    case none
}

/// A `tandem.v1` client for tests, written against the wire contract with plain `JSONValue` (not the
/// server's own encoder): requests get integer ids; responses are matched by id; events are buffered
/// in arrival order until the test asks for them. Thread-safe; usually one thread drives it.
final class TandemTestClient: Sendable {
    struct Closed: Sendable, Equatable {
        var code: UInt16?
        var reason: String
        /// Monotonic time the close frame (or the end of the connection) was read.
        var at: Double
    }

    private struct State {
        var nextID: Int64 = 1
        var responses: [Int64: JSONValue] = [:]
        /// Responses whose id was `null` (the server could not read the request's id).
        var anonymousResponses: [JSONValue] = []
        /// Responses to requests sent as raw text with a string id.
        var namedResponses: [String: JSONValue] = [:]
        var events: [JSONValue] = []
        var closed: Closed?
        var unexpected: [String] = []
        /// Every response id seen, to prove "exactly one response per request".
        var answered: [Int64: Int] = [:]
    }

    let socket: WebSocketClient
    let label: String
    private let state = Mutex(State())

    private init(socket: WebSocketClient, label: String) {
        self.socket = socket
        self.label = label
    }

    /// Opens a connection to `port` on loopback offering `tandem.v1`.
    static func connect(port: UInt16, _ credential: ClientCredential, label: String = "client",
                        subprotocols: [String] = ["tandem.v1"], deflate: Bool = false,
                        extraHeaders: [(String, String)] = []) throws -> TandemTestClient {
        var path = "/ws"
        var headers = extraHeaders
        switch credential {
        case .bearer(let token): headers.append(("Authorization", "Bearer \(token)"))
        case .queryToken(let token): path = "/ws?token=\(token)"
        case .shareQuery(let secret): path = "/ws?share=\(secret)"
        case .sharePath(let secret): path = "/s/\(secret)"
        case .none: break
        }
        let options = WebSocketClient.Options(subprotocols: subprotocols, headers: headers, deflate: deflate, timeout: 5)
        let socket = try WebSocketClient(url: "ws://127.0.0.1:\(port)\(path)", options: options)
        guard socket.subprotocol == "tandem.v1" else {
            throw TestFailure("\(label): server chose subprotocol \(socket.subprotocol ?? "none")")
        }
        return TandemTestClient(socket: socket, label: label)
    }

    /// The HTTP status a handshake with `credential` is refused with (nil when it was accepted).
    static func handshakeStatus(port: UInt16, _ credential: ClientCredential, path: String? = nil,
                                subprotocols: [String] = ["tandem.v1"]) -> Int? {
        var target = "/ws"
        var headers: [(String, String)] = []
        switch credential {
        case .bearer(let token): headers.append(("Authorization", "Bearer \(token)"))
        case .queryToken(let token): target = "/ws?token=\(token)"
        case .shareQuery(let secret): target = "/ws?share=\(secret)"
        case .sharePath(let secret): target = "/s/\(secret)"
        case .none: break
        }
        let options = WebSocketClient.Options(subprotocols: subprotocols, headers: headers, timeout: 5)
        do {
            let socket = try WebSocketClient(url: "ws://127.0.0.1:\(port)\(path ?? target)", options: options)
            socket.close()
            return nil
        } catch .rejected(let status, _, _) {
            return status
        } catch {
            return -1
        }
    }

    // MARK: Requests

    /// Sends a request without waiting; returns its id.
    @discardableResult
    func send(_ op: String, _ params: [String: JSONValue] = [:]) throws -> Int64 {
        let id = state.withLock { s in
            defer { s.nextID += 1 }
            return s.nextID
        }
        var object = params
        object["id"] = .integer(id)
        object["op"] = .string(op)
        try socket.send(text: JSONValue.object(object).serialized())
        return id
    }

    /// Sends text as it is (malformed input tests).
    func sendText(_ text: String) throws {
        try socket.send(text: text)
    }

    /// Waits for the response to request `id`.
    func response(to id: Int64, timeout: Double = 5) throws -> JSONValue {
        let deadline = monotonicSeconds() + timeout
        while true {
            if let found = state.withLock({ $0.responses.removeValue(forKey: id) }) { return found }
            if let closed = state.withLock({ $0.closed }) {
                throw TestFailure("\(label): connection closed (\(closed.code.map(String.init) ?? "no code") \(closed.reason)) before the response to \(id)")
            }
            let left = deadline - monotonicSeconds()
            guard left > 0 else { throw TestFailure("\(label): no response to request \(id) within \(timeout) s") }
            pump(timeout: left)
        }
    }

    /// Sends `op` and waits for its response (the whole response object).
    func request(_ op: String, _ params: [String: JSONValue] = [:], timeout: Double = 5) throws -> JSONValue {
        try response(to: send(op, params), timeout: timeout)
    }

    /// Sends `op` and returns its `result`; a failure throws, naming the error code.
    @discardableResult
    func ok(_ op: String, _ params: [String: JSONValue] = [:], timeout: Double = 5) throws -> JSONValue {
        let answer = try request(op, params, timeout: timeout)
        guard answer["ok"] == .bool(true), let result = answer["result"] else {
            throw TestFailure("\(label): \(op) failed: \(answer)")
        }
        return result
    }

    /// Sends `op` and returns its error code, or nil when it succeeded.
    func errorCode(_ op: String, _ params: [String: JSONValue] = [:], timeout: Double = 5) throws -> String? {
        let answer = try request(op, params, timeout: timeout)
        return answer["ok"] == .bool(true) ? nil : answer["error"]?["code"]?.stringValue
    }

    /// The next response whose id was `null`.
    func anonymousResponse(timeout: Double = 5) throws -> JSONValue {
        let deadline = monotonicSeconds() + timeout
        while true {
            let found = state.withLock { s -> JSONValue? in
                s.anonymousResponses.isEmpty ? Optional<JSONValue>.none : s.anonymousResponses.removeFirst()
            }
            if let found { return found }
            let left = deadline - monotonicSeconds()
            guard left > 0, !isClosed else { throw TestFailure("\(label): no id-less response within \(timeout) s") }
            pump(timeout: left)
        }
    }

    /// The response to a request sent as raw text with the string id `id`.
    func response(toStringID id: String, timeout: Double = 5) throws -> JSONValue {
        let deadline = monotonicSeconds() + timeout
        while true {
            if let found = state.withLock({ $0.namedResponses.removeValue(forKey: id) }) { return found }
            let left = deadline - monotonicSeconds()
            guard left > 0, !isClosed else { throw TestFailure("\(label): no response to \(id) within \(timeout) s") }
            pump(timeout: left)
        }
    }

    /// How many responses each request id got so far.
    var answerCounts: [Int64: Int] { state.withLock { $0.answered } }

    // MARK: Events

    /// The next buffered or arriving event; nil on timeout or when the connection ended.
    func nextEvent(timeout: Double = 5) -> JSONValue? {
        let deadline = monotonicSeconds() + timeout
        while true {
            if let event = state.withLock({ s -> JSONValue? in s.events.isEmpty ? Optional<JSONValue>.none : s.events.removeFirst() }) {
                return event
            }
            let left = deadline - monotonicSeconds()
            if left <= 0 || isClosed { return nil }
            pump(timeout: left)
        }
    }

    /// The next event named `name`, dropping others on the way.
    func nextEvent(named name: String, timeout: Double = 5) -> JSONValue? {
        let deadline = monotonicSeconds() + timeout
        while let event = nextEvent(timeout: max(0, deadline - monotonicSeconds())) {
            if event["event"]?.stringValue == name { return event }
        }
        return nil
    }

    /// The next event with an `eseq` (skipping ephemeral ones: presence, share.expired).
    func nextDurableEvent(timeout: Double = 5) -> JSONValue? {
        let deadline = monotonicSeconds() + timeout
        while let event = nextEvent(timeout: max(0, deadline - monotonicSeconds())) {
            if event["eseq"] != nil { return event }
        }
        return nil
    }

    /// Events already buffered, removed from the buffer.
    func takeBufferedEvents() -> [JSONValue] {
        state.withLock { s in
            defer { s.events.removeAll() }
            return s.events
        }
    }

    // MARK: Closing

    var closed: Closed? { state.withLock { $0.closed } }
    var isClosed: Bool { closed != nil }
    var unexpected: [String] { state.withLock { $0.unexpected } }

    /// Reads (buffering whatever arrives) until the server closes the connection.
    func waitForClose(timeout: Double) -> Closed? {
        let deadline = monotonicSeconds() + timeout
        while !isClosed {
            let left = deadline - monotonicSeconds()
            if left <= 0 { return nil }
            pump(timeout: left)
        }
        return closed
    }

    /// Closes politely (close frame, wait for the answer).
    func close() {
        socket.close(timeout: 1)
    }

    /// Drops the TCP connection without a closing handshake (a crash, a lost network).
    func disconnect() {
        socket.disconnect()
    }

    // MARK: Reading

    /// Reads at most one WebSocket message and files it. Returns false on timeout.
    @discardableResult
    func pump(timeout: Double) -> Bool {
        switch socket.receive(timeout: max(0.001, timeout)) {
        case .timeout:
            return false
        case .event(.text(let bytes)):
            file(bytes)
        case .event(.binary(let bytes)):
            state.withLock { $0.unexpected.append("binary message of \(bytes.count) bytes") }
        case .event(.close(let code, let reason)):
            markClosed(code: code, reason: reason)
        case .event(.ping), .event(.pong):
            break
        case .disconnected:
            markClosed(code: nil, reason: "disconnected")
        case .protocolError(let error):
            markClosed(code: nil, reason: "protocol error: \(error)")
        }
        return true
    }

    private func markClosed(code: UInt16?, reason: String) {
        let now = monotonicSeconds()
        state.withLock { s in
            if s.closed == nil { s.closed = Closed(code: code, reason: reason, at: now) }
        }
    }

    private func file(_ bytes: [UInt8]) {
        guard let message = try? JSONValue(parsing: bytes), case .object(let fields) = message else {
            state.withLock { $0.unexpected.append("not a JSON object: \(String(decoding: bytes.prefix(200), as: UTF8.self))") }
            return
        }
        state.withLock { s in
            if fields["event"] != nil {
                s.events.append(message)
            } else if let id = fields["id"]?.intValue {
                s.answered[id, default: 0] += 1
                s.responses[id] = message
            } else if let id = fields["id"]?.stringValue {
                s.namedResponses[id] = message
            } else if fields["id"] == .null {
                s.anonymousResponses.append(message)
            } else {
                s.unexpected.append("neither event nor response: \(message)")
            }
        }
    }
}
