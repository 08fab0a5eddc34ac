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
