/// A browser origin, `http(s)://HOST[:PORT]`, compared the way browsers mean it: scheme and host
/// without regard to ASCII case, and the default port (80 for http, 443 for https) whether
/// written or not. One parser serves the `Origin` header, the configured allow list and a
/// configured base URL, so `https://Tandem.example:443/` and `https://tandem.example` are one origin.
public struct WebOrigin: Hashable, Sendable, CustomStringConvertible {
    /// `http` or `https`, lowercased.
    public let scheme: String
    /// The host, ASCII-lowercased; an IPv6 address keeps its brackets.
    public let host: String
    /// The port, the scheme's default when none was written.
    public let port: Int

    /// Parses an `Origin` header value: exactly `scheme://host[:port]`. Nil for anything else,
    /// including the opaque origin `null` and a value with a path.
    public init?(header value: String) {
        guard let (scheme, rest) = Self.splitScheme(value), let parsed = Self.authority(rest, scheme: scheme) else { return nil }
        (self.scheme, self.host, self.port) = (scheme, parsed.host, parsed.port)
    }

    /// An origin as an operator writes it in a setting: `scheme://host[:port]`, a trailing slash allowed.
    public init?(setting text: String) {
        self.init(header: text.hasSuffix("/") ? String(text.dropLast()) : text)
    }

    /// The origin of a URL: `scheme://host[:port]`, then optionally a path
    /// (`/...`). Nil when there is no such prefix or when it has user information, a query or a fragment.
    public init?(url: String) {
        guard let (scheme, rest) = Self.splitScheme(url) else { return nil }
        let authority = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard !rest.contains(where: { $0 == "?" || $0 == "#" }), let parsed = Self.authority(authority, scheme: scheme) else { return nil }
        (self.scheme, self.host, self.port) = (scheme, parsed.host, parsed.port)
    }

    /// `scheme://host` with the port only when it is not the scheme's default.
    public var description: String {
        port == Self.defaultPort(scheme) ? "\(scheme)://\(host)" : "\(scheme)://\(host):\(port)"
    }

    /// Whether this origin names the authority a request was sent to (its `Host` header): the page
    /// that opens the socket was served by this host. The scheme is not compared, since behind a TLS
    /// proxy the server cannot tell it; a `Host` without a port means this origin's default one.
    public func isSameAuthority(asHost hostHeader: String) -> Bool {
        guard let requested = Self.authority(Substring(hostHeader), scheme: scheme) else { return false }
        return requested.host == host && requested.port == port
    }

    private static func defaultPort(_ scheme: String) -> Int { scheme == "https" ? 443 : 80 }

    private static func splitScheme(_ text: String) -> (scheme: String, rest: Substring)? {
        guard let end = text.firstRange(of: "://") else { return nil }
        let scheme = asciiLowercased(Substring(text[..<end.lowerBound]))
        guard scheme == "http" || scheme == "https" else { return nil }
        return (scheme, text[end.upperBound...])
    }

    /// `host[:port]` with nothing else: no user information, path or spaces; an IPv6 host in brackets.
    private static func authority(_ text: Substring, scheme: String) -> (host: String, port: Int)? {
        guard !text.isEmpty, !text.contains(where: { "/?#@ \t\\".contains($0) }) else { return nil }
        var host = text
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[...close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, host != "[]" else { return nil }
        var port = defaultPort(scheme)
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let value = Int(portText), (1...65_535).contains(value) else { return nil }
            port = value
        }
        return (asciiLowercased(host), port)
    }

    private static func asciiLowercased(_ text: Substring) -> String {
        String(decoding: text.utf8.map(asciiLower), as: UTF8.self)
    }
}
