import TandemCrypto

/// Server side of the RFC 6455 §4.2 opening handshake.
public enum WebSocketUpgrade {
    static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// Whether the request asks for a WebSocket upgrade at all (Upgrade: websocket and
    /// Connection: upgrade), to tell it apart from a plain HTTP request (e.g. a health check).
    public static func isUpgradeRequest(_ r: HTTPRequest) -> Bool {
        hasToken(r.headerValues("Upgrade"), "websocket") && hasToken(r.headerValues("Connection"), "upgrade")
    }

    /// Whether the request's Upgrade header names websocket: such a request is a WebSocket attempt
    /// (checked by `validate`). Any other request, `Upgrade: h2c` from `curl --http2` included, is a
    /// plain HTTP request too and is served as one (RFC 9110 §7.8 lets a server ignore Upgrade).
    public static func asksForWebSocket(_ r: HTTPRequest) -> Bool {
        hasToken(r.headerValues("Upgrade"), "websocket")
    }

    /// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + GUID)).
    public static func acceptKey(for key: String) -> String {
        Base64.encode(Digest.sha1(Array((key + guid).utf8)))
    }

    /// Checks an upgrade request and builds the 101 response, or says which error to answer with:
    /// 405 not GET, 400 HTTP older than 1.1 / a body / no Host / Connection without "upgrade" / bad key,
    /// 426 no "websocket" in Upgrade or Sec-WebSocket-Version not 13, 403 Origin not allowed (a
    /// same-origin page, whose Origin names the Host it connects to, is always allowed).
    /// Use `HTTPError.response` for the refusal (it adds the headers 405 and 426 need).
    public static func validate(_ r: HTTPRequest, config: UpgradeConfiguration) -> Result<UpgradeAcceptance, HTTPError> {
        guard r.method == "GET" else { return .failure(HTTPError(status: 405, message: "WebSocket upgrade needs GET")) }
        guard versionAtLeast11(r.version) else { return .failure(HTTPError(status: 400, message: "WebSocket needs HTTP/1.1")) }
        // An upgrade request has no body; bytes after the head must be WebSocket frames.
        if r.header("Transfer-Encoding") != nil || r.headerValues("Content-Length").contains(where: { $0 != "0" }) {
            return .failure(HTTPError(status: 400, message: "upgrade request with a body"))
        }
        let hosts = r.headerValues("Host")
        guard hosts.count == 1, !hosts[0].isEmpty else { return .failure(HTTPError(status: 400, message: "missing or repeated Host header")) }
        guard hasToken(r.headerValues("Upgrade"), "websocket") else {
            return .failure(HTTPError(status: 426, message: "this endpoint speaks WebSocket"))
        }
        guard hasToken(r.headerValues("Connection"), "upgrade") else {
            return .failure(HTTPError(status: 400, message: "Connection header must include Upgrade"))
        }
        let versions = r.headerValues("Sec-WebSocket-Version")
        guard versions.count == 1, versions[0] == "13" else {
            return .failure(HTTPError(status: 426, message: "unsupported Sec-WebSocket-Version"))
        }
        let keys = r.headerValues("Sec-WebSocket-Key")
        guard keys.count == 1, isValidKey(keys[0]) else {
            return .failure(HTTPError(status: 400, message: "missing or invalid Sec-WebSocket-Key"))
        }
        if let allowed = config.allowedOrigins {
            let origins = r.headerValues("Origin")
            if origins.count > 1 { return .failure(HTTPError(status: 403, message: "origin not allowed")) }
            if let header = origins.first {
                guard let origin = WebOrigin(header: header), allowed.contains(origin) || origin.isSameAuthority(asHost: hosts[0]) else {
                    return .failure(HTTPError(status: 403, message: "origin not allowed"))
                }
            } else if config.requireOrigin {
                return .failure(HTTPError(status: 403, message: "origin required"))
            }
        }
        let offered = commaSeparatedTokens(r.headerValues("Sec-WebSocket-Protocol"))
        let chosen = config.subprotocols.first { offered.contains($0) }
        var deflate: DeflateParameters?
        var headers: [(String, String)] = [
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Accept", acceptKey(for: keys[0])),
        ]
        if let chosen { headers.append(("Sec-WebSocket-Protocol", chosen)) }
        if let deflateConfig = config.deflate,
           let (params, value) = PerMessageDeflate.negotiate(offers: r.headerValues("Sec-WebSocket-Extensions"), config: deflateConfig) {
            deflate = params
            headers.append(("Sec-WebSocket-Extensions", value))
        }
        let response = HTTPResponse(status: 101, headers: headers)
        return .success(UpgradeAcceptance(subprotocol: chosen, deflate: deflate, response: response, offeredSubprotocols: offered))
    }

    /// A key is base64 of exactly 16 bytes: 24 characters ending in "==".
    static func isValidKey(_ key: String) -> Bool {
        guard key.utf8.count == 24, key.hasSuffix("=="),
              !key.utf8.contains(where: { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }),
              let bytes = Base64.decode(key) else { return false }
        return bytes.count == 16
    }

    static func versionAtLeast11(_ version: String) -> Bool {
        guard isHTTPVersion(version) else { return false }
        let b = Array(version.utf8)
        let major = b[5] - 0x30, minor = b[7] - 0x30
        return major > 1 || (major == 1 && minor >= 1)
    }

    static func hasToken(_ values: [String], _ token: String) -> Bool {
        commaSeparatedTokens(values).contains { asciiCaseInsensitiveEquals($0, token) }
    }
}
