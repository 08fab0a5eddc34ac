/// What the server accepts in a WebSocket upgrade.
public struct UpgradeConfiguration: Sendable {
    /// Origins allowed to connect besides same-origin pages (see `WebOrigin`); nil allows any. A
    /// request without an Origin header (non-browser clients) is allowed unless `requireOrigin` is
    /// set: Origin protects browsers from cross-site use, other clients can send any value anyway.
    public var allowedOrigins: [WebOrigin]?
    /// Refuse requests without an Origin header when `allowedOrigins` is set (default false).
    public var requireOrigin: Bool
    /// Subprotocols we speak, in order of preference.
    public var subprotocols: [String]
    /// permessage-deflate settings; nil refuses the extension.
    public var deflate: DeflateConfiguration?

    public init(allowedOrigins: [WebOrigin]? = nil, requireOrigin: Bool = false, subprotocols: [String] = [], deflate: DeflateConfiguration? = nil) {
        self.allowedOrigins = allowedOrigins
        self.requireOrigin = requireOrigin
        self.subprotocols = subprotocols
        self.deflate = deflate
    }
}

/// The outcome of a valid upgrade request.
public struct UpgradeAcceptance: Sendable {
    /// The chosen subprotocol (nil if none offered or none matched; the caller may refuse then).
    public var subprotocol: String?
    /// Agreed permessage-deflate parameters, nil when not in use.
    public var deflate: DeflateParameters?
    /// The 101 Switching Protocols response to send.
    public var response: HTTPResponse
    /// The subprotocols the client offered, in its order.
    public var offeredSubprotocols: [String]
}
