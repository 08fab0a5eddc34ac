import Foundation
import Synchronization
import TandemJSON
import TandemProtocol
import TandemTransport
import TandemClientKit

/// Why a request or a connection failed, worded for the user.
enum ClientError: Error, CustomStringConvertible {
    /// Could not open the connection (message says what to do).
    case connect(String)
    /// The server refused the credential (401): retrying with it cannot help.
    case refused(String)
    /// The server answered with an error.
    case server(ProtocolError)
    /// The connection ended (close code when the server sent one).
    case closed(code: UInt16?, reason: String)
    case timedOut(String)
    /// The server's answer did not have the expected shape.
    case badAnswer(String)

    var description: String {
        switch self {
        case .connect(let message), .refused(let message): message
        case .server(let error): "\(error.code.rawValue): \(error.message)"
        case .closed(TandemProtocol.CloseCode.messageTooBig.rawValue?, _):
            "too_large: the request was larger than the server accepts (its max-message; closed 1009)"
        case .closed(let code?, let reason): "connection closed (\(code)\(reason.isEmpty ? "" : ": \(reason)"))"
        case .closed(nil, _): "connection lost"
        case .timedOut(let what): "no answer from the server for \(what)"
        case .badAnswer(let message): "unexpected answer from the server: \(message)"
        }
    }
}

/// One `tandem.v1` connection: a reader thread delivers events to `onEvent` and answers to the waiting
/// callers, which may be on any thread. Never call `request` from inside `onEvent` (it runs on the reader).
final class Connection: Sendable {
    private struct State {
        var nextID: Int64 = 1
        var waiting: [Int64: DispatchSemaphore] = [:]
        var answers: [Int64: Response] = [:]
        var ended: (code: UInt16?, reason: String)?
    }

    let client: WebSocketClient
    let url: String
    private let state = Mutex(State())
    private let onEvent: @Sendable (Event, String) -> Void
    private let onEnd: @Sendable (UInt16?, String) -> Void

    /// Connects (handshake included) and starts the reader thread.
    init(settings: ConnectionSettings, onEvent: @escaping @Sendable (Event, String) -> Void,
         onEnd: @escaping @Sendable (UInt16?, String) -> Void = { _, _ in }) throws(ClientError) {
        var headers: [(String, String)] = []
        if let token = settings.token { headers.append(("Authorization", "Bearer \(token)")) }
        let options = WebSocketClient.Options(subprotocols: [ProtocolVersion.subprotocol], headers: headers, deflate: true)
        do {
            client = try WebSocketClient(url: settings.webSocketURL, options: options)
        } catch {
            if case .rejected(401, _, _) = error { throw .refused(Self.refusal(settings)) }
            throw .connect(Self.explain(error, url: settings.webSocketURL))
        }
        url = settings.webSocketURL
        self.onEvent = onEvent
        self.onEnd = onEnd
        let thread = Thread { [self] in self.readLoop() }
        thread.name = "tandem-reader"
        thread.start()
    }

    /// Why a 401 came: for a share link the link itself (its secret is not repeated: it may be
    /// on screen for others), else the token. The server answers alike for a link gone with its
    /// deleted session and one never issued (it keeps nothing of deleted links), so every cause is named.
    static func refusal(_ settings: ConnectionSettings) -> String {
        if settings.isShareLink {
            return "this share link no longer opens anything: it was revoked, it expired, its session was deleted, "
                + "or it is mistyped; ask for a new one"
        }
        return "the server at \(settings.webSocketURL) refused the credential (401): check --token / TANDEM_TOKEN, or ask for a new token"
    }

    static func explain(_ error: WebSocketClient.ConnectError, url: String) -> String {
        switch error {
        case .badURL:
            return "bad server URL \(url): use ws://HOST:PORT/ws (or wss://)"
        case .rejected(let status, _, _) where status == 401:
            return "the server at \(url) refused the credential (401): check --token / TANDEM_TOKEN, or ask for a new token"
        case .rejected(let status, _, _) where status == 429:
            return "too many connections for this user at \(url) (429); close some clients and retry"
        case .rejected(let status, _, _) where status == 404:
            return "nothing at \(url) (404): members use ws://HOST:PORT/ws; share links http://HOST:PORT/s/SECRET"
        case .rejected(let status, _, let message):
            return "cannot connect to \(url): the server refused the upgrade (\(status)): \(message)"
        case .timedOut:
            return "cannot connect to \(url): timed out — is the address right and tandemd running?"
        case .transport(let transport):
            let text = "\(transport)"
            // The server answered, so "is tandemd running?" would send people the wrong way: the
            // client does not trust its certificate (self-signed, a private CA, or another name).
            if text.contains("certificate verify failed") {
                return "cannot connect to \(url): the server's certificate is not trusted (\(text)); "
                    + "if it is self-signed or from a private CA, set SSL_CERT_FILE to its PEM certificate (or the CA's)"
            }
            let reason = text.lowercased().contains("refused") ? "connection refused" : text
            let local = ["ws://127.0.0.1", "ws://localhost", "ws://[::1]", "wss://127.0.0.1", "wss://localhost"].contains { url.hasPrefix($0) }
            return "cannot connect to \(url): \(reason) — is tandemd running?" + (local ? " start it with deploy/run" : " check the address with whoever runs it")
        }
    }

    /// Sends a request and waits for its answer. Throws `.server` for an error answer.
    func request(_ operation: TandemProtocol.Operation, timeout: Double = 15) throws(ClientError) -> JSONValue {
        let semaphore = DispatchSemaphore(value: 0)
        let id: Int64 = try state.withLock { s throws(ClientError) -> Int64 in
            if let ended = s.ended { throw ClientError.closed(code: ended.code, reason: ended.reason) }
            let id = s.nextID
            s.nextID += 1
            s.waiting[id] = semaphore
            return id
        }
        let bytes = Request(id: .int(id), operation: operation).encode()
        do {
            try client.send(text: String(decoding: bytes, as: UTF8.self))
        } catch {
            _ = state.withLock { $0.waiting.removeValue(forKey: id) }
            throw .closed(code: nil, reason: "\(error)")
        }
        let signalled = semaphore.wait(timeout: .now() + timeout) == .success
        let (answer, ended) = state.withLock { s in
            s.waiting.removeValue(forKey: id)
            return (s.answers.removeValue(forKey: id), s.ended)
        }
        guard let answer else {
            if let ended { throw .closed(code: ended.code, reason: ended.reason) }
            throw .timedOut(signalled ? operation.name.rawValue : "\(operation.name.rawValue) after \(Int(timeout)) s")
        }
        switch answer.body {
        case .success(let result): return result
        case .failure(let e): throw .server(ProtocolError(id: answer.id, code: e.code, message: e.message, field: e.field))
        }
    }

    /// Sends a request and reads its typed result.
    func call<R: WireObject>(_ operation: TandemProtocol.Operation, as type: R.Type, timeout: Double = 15) throws(ClientError) -> R {
        let value = try request(operation, timeout: timeout)
        do {
            return try R(json: value)
        } catch {
            throw .badAnswer("\(error)")
        }
    }

    /// Closes politely (the reader thread then ends).
    func close() {
        client.close(code: 1000, timeout: 1)
    }

    /// Drops the connection at once (used on a recovery gap, which needs a fresh join).
    func drop() { client.disconnect() }

    var isEnded: Bool { state.withLock { $0.ended != nil } }

    private func readLoop() {
        while true {
            switch client.receive(timeout: 3600) {
            case .timeout: continue
            case .event(.text(let bytes)):
                handle(bytes)
            case .event(.close(let code, let reason)):
                finish(code: code, reason: reason)
                return
            case .event: continue
            case .disconnected:
                finish(code: nil, reason: "")
                return
            case .protocolError(let error):
                finish(code: nil, reason: "\(error)")
                return
            }
        }
    }

    private func handle(_ bytes: [UInt8]) {
        guard let message = try? ServerMessage.decode(bytes) else { return }
        switch message {
        case .response(let response):
            guard case .int(let id)? = response.id else { return }
            let semaphore = state.withLock { s -> DispatchSemaphore? in
                s.answers[id] = response
                return s.waiting[id]
            }
            semaphore?.signal()
        case .event(let event):
            onEvent(event, String(decoding: bytes, as: UTF8.self))
        case .unknownEvent:
            return
        }
    }

    private func finish(code: UInt16?, reason: String) {
        let waiting = state.withLock { s -> [DispatchSemaphore] in
            if s.ended == nil { s.ended = (code, reason) }
            return Array(s.waiting.values)
        }
        for semaphore in waiting { semaphore.signal() }
        client.disconnect()
        onEnd(code, reason)
    }
}
