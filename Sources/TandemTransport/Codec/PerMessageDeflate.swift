/// What the server is willing to do for permessage-deflate (RFC 7692). `nil` in
/// `UpgradeConfiguration.deflate` refuses the extension.
public struct DeflateConfiguration: Sendable, Equatable {
    /// Always reset our compressor after each message (default true). Costs some ratio, but makes a
    /// message's compressed form independent of the connection, so a broadcast compresses once
    /// and shares the frame, and saves the per-connection window memory.
    public var serverNoContextTakeover: Bool
    /// Ask clients to reset their compressor after each message (default false). Lets us drop
    /// inflate state between messages; clients that offered it get it regardless.
    public var requestClientNoContextTakeover: Bool
    /// Largest window we compress with (8...15, default 15). Lowered further if the client asks.
    public var serverMaxWindowBits: Int
    /// Largest window we ask the client to compress with, when it offers `client_max_window_bits`
    /// (8...15, default 15). A client that does not offer the parameter always uses 15.
    public var clientMaxWindowBits: Int
    /// Messages shorter than this (bytes) are sent uncompressed (default 256): below it deflate
    /// rarely saves anything and costs CPU on both ends.
    public var compressionThreshold: Int
    /// zlib level 0...9 for our compressor (default 6).
    public var compressionLevel: Int

    public init(
        serverNoContextTakeover: Bool = true, requestClientNoContextTakeover: Bool = false,
        serverMaxWindowBits: Int = 15, clientMaxWindowBits: Int = 15,
        compressionThreshold: Int = 256, compressionLevel: Int = 6
    ) {
        precondition((8...15).contains(serverMaxWindowBits) && (8...15).contains(clientMaxWindowBits), "window bits must be 8...15")
        precondition((0...9).contains(compressionLevel), "level must be 0...9")
        self.serverNoContextTakeover = serverNoContextTakeover
        self.requestClientNoContextTakeover = requestClientNoContextTakeover
        self.serverMaxWindowBits = serverMaxWindowBits
        self.clientMaxWindowBits = clientMaxWindowBits
        self.compressionThreshold = compressionThreshold
        self.compressionLevel = compressionLevel
    }
}

/// The agreed permessage-deflate parameters, as effective values (window bits 8...15).
public struct DeflateParameters: Sendable, Equatable {
    /// The server resets its compressor after each message.
    public var serverNoContextTakeover: Bool
    /// The client resets its compressor after each message.
    public var clientNoContextTakeover: Bool
    /// The server compresses with at most this window.
    public var serverMaxWindowBits: Int
    /// The client compresses with at most this window.
    public var clientMaxWindowBits: Int

    public init(serverNoContextTakeover: Bool = false, clientNoContextTakeover: Bool = false, serverMaxWindowBits: Int = 15, clientMaxWindowBits: Int = 15) {
        self.serverNoContextTakeover = serverNoContextTakeover
        self.clientNoContextTakeover = clientNoContextTakeover
        self.serverMaxWindowBits = serverMaxWindowBits
        self.clientMaxWindowBits = clientMaxWindowBits
    }

    /// The compressor and decompressor for one connection of the given role.
    public func makeCodecs(role: WebSocketRole, level: Int = 6) -> (deflater: Deflater, inflater: Inflater) {
        switch role {
        case .server:
            return (Deflater(windowBits: serverMaxWindowBits, noContextTakeover: serverNoContextTakeover, level: level),
                    Inflater(windowBits: clientMaxWindowBits, noContextTakeover: clientNoContextTakeover))
        case .client:
            return (Deflater(windowBits: clientMaxWindowBits, noContextTakeover: clientNoContextTakeover, level: level),
                    Inflater(windowBits: serverMaxWindowBits, noContextTakeover: serverNoContextTakeover))
        }
    }
}

/// permessage-deflate negotiation (RFC 7692 §5, §7.1).
public enum PerMessageDeflate {
    /// Server side: picks the first acceptable permessage-deflate offer among the
    /// Sec-WebSocket-Extensions header values and returns the agreed parameters with the value
    /// for our response header. An offer with an unknown, duplicate or out-of-range parameter is
    /// declined (§5: the next offer is considered). Nil when nothing is acceptable.
    public static func negotiate(offers: [String], config: DeflateConfiguration) -> (DeflateParameters, responseHeaderValue: String)? {
        for element in ExtensionHeader.parse(offers) where asciiCaseInsensitiveEquals(element.name, "permessage-deflate") {
            guard let offer = Offer(element.params, isResponse: false) else { continue }
            let serverNCT = offer.serverNoContextTakeover || config.serverNoContextTakeover
            let clientNCT = offer.clientNoContextTakeover || config.requestClientNoContextTakeover
            let serverBits = min(offer.serverMaxWindowBits ?? 15, config.serverMaxWindowBits)
            var clientBits = 15
            var sendClientBits = false
            if offer.clientMaxWindowBitsPresent {
                clientBits = min(offer.clientMaxWindowBits ?? 15, config.clientMaxWindowBits)
                sendClientBits = clientBits < 15 || offer.clientMaxWindowBits != nil
            }
            var response = "permessage-deflate"
            if serverNCT { response += "; server_no_context_takeover" }
            if clientNCT { response += "; client_no_context_takeover" }
            if offer.serverMaxWindowBits != nil || serverBits < 15 { response += "; server_max_window_bits=\(serverBits)" }
            if sendClientBits { response += "; client_max_window_bits=\(clientBits)" }
            let params = DeflateParameters(
                serverNoContextTakeover: serverNCT, clientNoContextTakeover: clientNCT,
                serverMaxWindowBits: serverBits, clientMaxWindowBits: clientBits)
            return (params, responseHeaderValue: response)
        }
        return nil
    }

    /// Client side: the Sec-WebSocket-Extensions value offering permessage-deflate. By default it
    /// offers `client_max_window_bits` (letting the server limit our window) and nothing else.
    public static func clientOffer(
        serverNoContextTakeover: Bool = false, clientNoContextTakeover: Bool = false,
        serverMaxWindowBits: Int? = nil, clientMaxWindowBits: Int? = nil, offerClientMaxWindowBits: Bool = true
    ) -> String {
        var s = "permessage-deflate"
        if serverNoContextTakeover { s += "; server_no_context_takeover" }
        if clientNoContextTakeover { s += "; client_no_context_takeover" }
        if let bits = serverMaxWindowBits { s += "; server_max_window_bits=\(bits)" }
        if let bits = clientMaxWindowBits {
            s += "; client_max_window_bits=\(bits)"
        } else if offerClientMaxWindowBits {
            s += "; client_max_window_bits"
        }
        return s
    }

    /// Client side: parses the server's accepted permessage-deflate (one extension element).
    /// Nil if it is not a valid permessage-deflate response (unknown or duplicate parameter,
    /// out-of-range value, `client_max_window_bits` without a value).
    public static func parseServerResponse(_ value: String) -> DeflateParameters? {
        let elements = ExtensionHeader.parse([value])
        guard elements.count == 1, asciiCaseInsensitiveEquals(elements[0].name, "permessage-deflate"),
              let offer = Offer(elements[0].params, isResponse: true) else { return nil }
        return DeflateParameters(
            serverNoContextTakeover: offer.serverNoContextTakeover,
            clientNoContextTakeover: offer.clientNoContextTakeover,
            serverMaxWindowBits: offer.serverMaxWindowBits ?? 15,
            clientMaxWindowBits: offer.clientMaxWindowBits ?? 15)
    }

    /// The four RFC 7692 parameters of one offer or response, validated.
    struct Offer {
        var serverNoContextTakeover = false
        var clientNoContextTakeover = false
        var serverMaxWindowBits: Int?
        var clientMaxWindowBitsPresent = false
        var clientMaxWindowBits: Int?

        init?(_ params: [(name: String, value: String?)], isResponse: Bool) {
            var seen: Set<String> = []
            for (rawName, value) in params {
                let name = rawName.lowercased()
                guard seen.insert(name).inserted else { return nil }
                switch name {
                case "server_no_context_takeover":
                    guard value == nil else { return nil }
                    serverNoContextTakeover = true
                case "client_no_context_takeover":
                    guard value == nil else { return nil }
                    clientNoContextTakeover = true
                case "server_max_window_bits":
                    guard let value, let bits = Self.windowBits(value) else { return nil }
                    serverMaxWindowBits = bits
                case "client_max_window_bits":
                    clientMaxWindowBitsPresent = true
                    if let value {
                        guard let bits = Self.windowBits(value) else { return nil }
                        clientMaxWindowBits = bits
                    } else if isResponse {
                        return nil
                    }
                default:
                    return nil
                }
            }
        }

        /// 8...15 written without leading zeros.
        static func windowBits(_ s: String) -> Int? {
            guard !s.hasPrefix("0"), s.utf8.count <= 2, s.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                  let n = Int(s), (8...15).contains(n) else { return nil }
            return n
        }
    }
}

/// Parser of Sec-WebSocket-Extensions values (RFC 6455 §9.1): comma-separated extensions, each a
/// token followed by `; param` or `; param=value`, value a token or quoted string.
enum ExtensionHeader {
    struct Element {
        var name: String
        var params: [(name: String, value: String?)]
    }

    /// Every well-formed element across the header values; malformed elements are skipped.
    static func parse(_ values: [String]) -> [Element] {
        var result: [Element] = []
        for value in values {
            for item in splitOutsideQuotes(Substring(value), on: ",") where !trimOWS(item).isEmpty {
                if let element = parseElement(item) { result.append(element) }
            }
        }
        return result
    }

    private static func parseElement(_ item: Substring) -> Element? {
        let parts = splitOutsideQuotes(item, on: ";")
        guard let first = parts.first else { return nil }
        let name = trimOWS(first)
        guard isToken(name) else { return nil }
        var params: [(name: String, value: String?)] = []
        for part in parts.dropFirst() {
            let p = trimOWS(part)
            if let eq = p.firstIndex(of: "=") {
                let key = trimOWS(p[..<eq])
                var value = trimOWS(p[p.index(after: eq)...])
                guard isToken(key) else { return nil }
                if value.hasPrefix("\"") {
                    guard value.count >= 2, value.hasSuffix("\"") else { return nil }
                    value = String(value.dropFirst().dropLast()).replacingBackslashEscapes()
                }
                guard isToken(value) else { return nil }
                params.append((name: key, value: value))
            } else {
                guard isToken(p) else { return nil }
                params.append((name: p, value: nil))
            }
        }
        return Element(name: name, params: params)
    }

    private static func splitOutsideQuotes(_ s: Substring, on separator: Character) -> [Substring] {
        var parts: [Substring] = []
        var start = s.startIndex
        var inQuotes = false
        var escaped = false
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if escaped {
                escaped = false
            } else if inQuotes && c == "\\" {
                escaped = true
            } else if c == "\"" {
                inQuotes.toggle()
            } else if c == separator && !inQuotes {
                parts.append(s[start..<i])
                start = s.index(after: i)
            }
            i = s.index(after: i)
        }
        parts.append(s[start..<s.endIndex])
        return parts
    }
}

extension String {
    /// Undoes quoted-pair escapes ("\x" → "x").
    fileprivate func replacingBackslashEscapes() -> String {
        var out = ""
        var escaped = false
        for c in self {
            if escaped || c != "\\" {
                out.append(c)
                escaped = false
            } else {
                escaped = true
            }
        }
        return out
    }
}
