import TandemCrypto

/// Client side of the RFC 6455 §4.1 opening handshake (terminal client, tests, benchmarks).
public enum ClientHandshake {
    /// A fresh Sec-WebSocket-Key: base64 of 16 random bytes.
    public static func newKey() -> String {
        Base64.encode(SecureRandom.bytes(16))
    }

    /// The upgrade request bytes. `path` is the request target ("/path?query", already encoded);
    /// `deflate` offers permessage-deflate with `PerMessageDeflate.clientOffer()`. Control
    /// characters (CR, LF, NUL...) in any argument are replaced by spaces, so a value taken from
    /// user input cannot inject header lines.
    public static func request(
        host: String, path: String, key: String, subprotocols: [String] = [],
        deflate: Bool = false, extraHeaders: [(String, String)] = []
    ) -> [UInt8] {
        let path = headerSafe(path), host = headerSafe(host), key = headerSafe(key)
        let subprotocols = subprotocols.map(headerSafe)
        var s = "GET \(path.isEmpty ? "/" : path.replacingSpaces()) HTTP/1.1\r\n"
        s += "Host: \(host)\r\n"
        s += "Upgrade: websocket\r\n"
        s += "Connection: Upgrade\r\n"
        s += "Sec-WebSocket-Key: \(key)\r\n"
        s += "Sec-WebSocket-Version: 13\r\n"
        if !subprotocols.isEmpty { s += "Sec-WebSocket-Protocol: \(subprotocols.joined(separator: ", "))\r\n" }
        if deflate { s += "Sec-WebSocket-Extensions: \(PerMessageDeflate.clientOffer())\r\n" }
        for (name, value) in extraHeaders { s += "\(headerSafe(name)): \(headerSafe(value))\r\n" }
        s += "\r\n"
        return Array(s.utf8)
    }
}

/// Replaces control characters, which could end a header line early, by spaces.
func headerSafe(_ s: String) -> String {
    guard s.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return s }
    return String(String.UnicodeScalarView(s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
}

extension String {
    /// A request target cannot contain spaces; encode them.
    fileprivate func replacingSpaces() -> String {
        guard utf8.contains(0x20) else { return self }
        return split(separator: " ", omittingEmptySubsequences: false).joined(separator: "%20")
    }
}

/// Checks the server's answer to our upgrade request.
public enum ClientHandshakeValidation {
    /// Succeeds with the agreed subprotocol and deflate parameters when the response is a proper
    /// 101 for `key`. Fails with the server's status (and our reason) otherwise: not 101, missing
    /// Upgrade/Connection, wrong Sec-WebSocket-Accept, a subprotocol or extension we did not offer.
    public static func validate(
        _ response: HTTPResponse, key: String, offeredSubprotocols: [String], offeredDeflate: Bool
    ) -> Result<(subprotocol: String?, deflate: DeflateParameters?), HTTPError> {
        func fail(_ message: String) -> Result<(subprotocol: String?, deflate: DeflateParameters?), HTTPError> {
            .failure(HTTPError(status: response.status, message: message))
        }
        guard response.status == 101 else { return fail("server refused the upgrade: \(response.status) \(response.reason)") }
        guard WebSocketUpgrade.hasToken(response.headerValues("Upgrade"), "websocket") else { return fail("response lacks Upgrade: websocket") }
        guard WebSocketUpgrade.hasToken(response.headerValues("Connection"), "upgrade") else { return fail("response lacks Connection: Upgrade") }
        let accepts = response.headerValues("Sec-WebSocket-Accept")
        guard accepts.count == 1, accepts[0] == WebSocketUpgrade.acceptKey(for: key) else { return fail("wrong Sec-WebSocket-Accept") }
        var subprotocol: String?
        let protocols = response.headerValues("Sec-WebSocket-Protocol")
        if !protocols.isEmpty {
            guard protocols.count == 1, offeredSubprotocols.contains(protocols[0]) else { return fail("server chose a subprotocol we did not offer") }
            subprotocol = protocols[0]
        }
        var deflate: DeflateParameters?
        let extensions = ExtensionHeader.parse(response.headerValues("Sec-WebSocket-Extensions"))
        let rawExtensions = response.headerValues("Sec-WebSocket-Extensions").filter { !trimOWS(Substring($0)).isEmpty }
        if !rawExtensions.isEmpty {
            guard offeredDeflate, extensions.count == 1, rawExtensions.count == 1,
                  let params = PerMessageDeflate.parseServerResponse(rawExtensions[0]) else {
                return fail("server accepted an extension we did not offer or gave invalid parameters")
            }
            deflate = params
        }
        return .success((subprotocol: subprotocol, deflate: deflate))
    }
}
