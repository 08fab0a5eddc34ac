/// What the application says about an upgrade request, before the 101 is sent.
public enum UpgradeDecision: Sendable {
    /// Upgrade; `context` is attached to the connection (e.g. the authenticated user).
    case accept(context: (any Sendable)? = nil)
    /// Answer with this response (401, 403, 404, ...) and close.
    case reject(HTTPResponse)
}

/// A complete data message received on a connection.
public enum WebSocketMessage: Sendable, Equatable {
    /// Text, already validated as UTF-8 by the codec (kept as bytes: relaying it needs no conversion).
    case text([UInt8])
    case binary([UInt8])

    /// The text as a String (nil for binary).
    public var string: String? {
        if case .text(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    /// The payload bytes.
    public var bytes: [UInt8] {
        switch self {
        case .text(let bytes), .binary(let bytes): return bytes
        }
    }
}

/// The application on top of the transport. Every callback runs on the connection's loop
/// thread: keep them short, and hand slow work elsewhere (replies may be sent from any thread).
public protocol WebSocketApplication: Sendable {
    /// A request that is not a WebSocket upgrade (GET/HEAD only; other methods get 405).
    func handle(http request: HTTPRequest) -> HTTPResponse
    /// Like `handle(http:)`, with the peer's address (for per-address limits).
    /// By default `answer(http:peer:responder:)` forwards to this one.
    func handle(http request: HTTPRequest, peer: String) -> HTTPResponse
    /// Like `handle(http:peer:)`, and the application may answer later instead (`.later`), from
    /// another thread, through `responder`: for an answer that would block the loop (a database
    /// read). The transport calls this one; by default it answers `.now` with `handle(http:peer:)`.
    func answer(http request: HTTPRequest, peer: String, responder: HTTPResponder) -> HTTPAnswer
    /// A valid upgrade request; `subprotocol` is the one the transport would choose.
    func shouldUpgrade(_ request: HTTPRequest, subprotocol: String?) -> UpgradeDecision
    /// Like `shouldUpgrade(_:subprotocol:)`, with the peer's address (for per-address limits).
    /// By default `shouldUpgrade(_:subprotocol:peer:responder:)` forwards to this one.
    func shouldUpgrade(_ request: HTTPRequest, subprotocol: String?, peer: String) -> UpgradeDecision
    /// Like `shouldUpgrade(_:subprotocol:peer:)`, or nil to decide later, from another thread,
    /// through `responder` (a decision that reads a database must not block the loop). The
    /// transport calls this one; by default it forwards to `shouldUpgrade(_:subprotocol:peer:)`.
    func shouldUpgrade(_ request: HTTPRequest, subprotocol: String?, peer: String, responder: UpgradeResponder) -> UpgradeDecision?
    /// An upgrade request the transport itself refused (bad key or version, a forbidden Origin,
    /// ...) with `error`'s status, before `shouldUpgrade` saw it: for the application's logs. Also
    /// any request (upgrade or not) on a connection over `maxConnectionsPerAddress` (429).
    func refusedUpgrade(_ request: HTTPRequest, error: HTTPError, peer: String)
    /// The 101 was queued; the connection can send.
    func opened(_ connection: WebSocketConnection)
    /// A complete text or binary message.
    func received(_ message: WebSocketMessage, on connection: WebSocketConnection)
    /// The peer ended its side without a close frame (its process exited, or it shut down writing):
    /// nothing more will be received. The connection stays open up to `closeTimeout` for answers
    /// still on their way (at once closed, with `closed`, when the peer turns out to be gone: a
    /// reset answers what the transport writes to it), then `closed` follows; what the peer
    /// counted for (places, presence) can be given up now.
    func peerEnded(_ connection: WebSocketConnection)
    /// The connection's outbound queue overflowed: what it had not been sent is dropped and it is
    /// being closed with `slowConsumerCloseCode` (`closed` follows once the socket is gone, up to
    /// `closeTimeout` later). Called once, at the cut.
    func outboundOverflowed(_ connection: WebSocketConnection)
    /// The connection is gone. `code` is the close code received from the peer, or the one the
    /// server sent when it closed first; nil when the socket dropped without a close frame.
    func closed(_ connection: WebSocketConnection, code: UInt16?)
}

extension WebSocketApplication {
    public func peerEnded(_ connection: WebSocketConnection) {}
    public func outboundOverflowed(_ connection: WebSocketConnection) {}
    public func handle(http request: HTTPRequest) -> HTTPResponse {
        .text(404, "not found\n")
    }
    public func handle(http request: HTTPRequest, peer: String) -> HTTPResponse {
        handle(http: request)
    }
    public func answer(http request: HTTPRequest, peer: String, responder: HTTPResponder) -> HTTPAnswer {
        .now(handle(http: request, peer: peer))
    }
    public func shouldUpgrade(_ request: HTTPRequest, subprotocol: String?) -> UpgradeDecision {
        .accept(context: nil)
    }
    public func shouldUpgrade(_ request: HTTPRequest, subprotocol: String?, peer: String) -> UpgradeDecision {
        shouldUpgrade(request, subprotocol: subprotocol)
    }
    public func shouldUpgrade(_ request: HTTPRequest, subprotocol: String?, peer: String, responder: UpgradeResponder) -> UpgradeDecision? {
        shouldUpgrade(request, subprotocol: subprotocol, peer: peer)
    }
    public func refusedUpgrade(_ request: HTTPRequest, error: HTTPError, peer: String) {}
    public func opened(_ connection: WebSocketConnection) {}
    public func closed(_ connection: WebSocketConnection, code: UInt16?) {}
}
