/// The saved connection settings (`~/.config/tandem/config`): `url = ...` and `token = ...` lines.
public struct ClientConfig: Sendable, Equatable {
    public var url: String?
    public var token: String?

    public init(url: String? = nil, token: String? = nil) {
        self.url = url
        self.token = token
    }

    /// Reads `key = value` lines; `#` starts a comment, unknown keys are ignored (a newer client may add them).
    public static func parse(_ text: String) -> ClientConfig {
        var config = ClientConfig()
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingSpaces()
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingSpaces()
            let value = line[line.index(after: eq)...].trimmingSpaces()
            switch key {
            case "url": config.url = value.isEmpty ? nil : value
            case "token": config.token = value.isEmpty ? nil : value
            default: continue
            }
        }
        return config
    }

    /// The file's text, as `tandem login` writes it.
    public func serialized() -> String {
        var text = "# tandem client settings (written by `tandem login`)\n"
        if let url { text += "url = \(url)\n" }
        if let token { text += "token = \(token)\n" }
        return text
    }

    /// Where the file lives: `$XDG_CONFIG_HOME/tandem/config`, else `$HOME/.config/tandem/config`.
    public static func path(environment: [String: String]) -> String? {
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty { return xdg + "/tandem/config" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.config/tandem/config" }
        return nil
    }
}

/// Where the client connects and with which credential, after flags, environment and file are combined.
public struct ConnectionSettings: Sendable, Equatable {
    /// The default server: a local `tandemd` on its default port.
    public static let defaultURL = "ws://127.0.0.1:8765/ws"

    /// The WebSocket URL to open.
    public var webSocketURL: String
    /// The bearer token; nil for a share link.
    public var token: String?
    /// Set when the URL was a share link: the viewer is read-only and may see only this link's session.
    public var shareSecret: String?

    public init(webSocketURL: String, token: String?, shareSecret: String? = nil) {
        self.webSocketURL = webSocketURL
        self.token = token
        self.shareSecret = shareSecret
    }

    public var isShareLink: Bool { shareSecret != nil }

    /// Flags win over the environment (`TANDEM_URL`, `TANDEM_TOKEN`), which wins over the config file.
    /// A share-link URL (`http://HOST:PORT/s/SECRET`) becomes `ws://HOST:PORT/s/SECRET` with no token.
    public static func resolve(flagURL: String?, flagToken: String?, environment: [String: String],
                               file: ClientConfig) throws(CommandError) -> ConnectionSettings {
        let url = flagURL ?? environment["TANDEM_URL"].nonEmpty ?? file.url ?? defaultURL
        // The saved token goes only to the server it was saved for: a --url or TANDEM_URL naming
        // another one (a typo, a link from someone else) must not receive it.
        let fileToken = (file.url.map { origin(of: $0) == origin(of: url) } ?? true) ? file.token : nil
        let token = flagToken ?? environment["TANDEM_TOKEN"].nonEmpty ?? fileToken
        if let share = try shareLink(url) { return share }
        guard url.hasPrefix("ws://") || url.hasPrefix("wss://") else {
            throw CommandError("unsupported URL '\(url)': use ws://HOST:PORT/ws (or wss://), or a share link http://HOST:PORT/s/SECRET")
        }
        if token == nil, file.token != nil, let saved = file.url {
            throw CommandError("no token for \(url): the saved token is for \(saved) and is not sent elsewhere; pass --token or set TANDEM_TOKEN, or run `tandem login --url \(url) --token TOKEN`")
        }
        guard let token else {
            throw CommandError("no token: pass --token, set TANDEM_TOKEN, or run `tandem login --url \(url) --token TOKEN` (ask your admin: tandem-admin tokens issue USER)")
        }
        return ConnectionSettings(webSocketURL: url, token: token)
    }

    /// `scheme://host:port` of a URL, lower-cased (the server a token belongs to; the path does not matter).
    static func origin(of url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return url.lowercased() }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return (url[..<schemeEnd.upperBound] + authority).lowercased()
    }

    /// Recognises `http(s)://HOST[:PORT]/s/SECRET` and `ws(s)://HOST[:PORT]/s/SECRET`.
    static func shareLink(_ url: String) throws(CommandError) -> ConnectionSettings? {
        let schemes = [("http://", "ws://"), ("https://", "wss://"), ("ws://", "ws://"), ("wss://", "wss://")]
        for (from, to) in schemes where url.hasPrefix(from) {
            let rest = url.dropFirst(from.count)
            guard let slash = rest.firstIndex(of: "/") else { break }
            let authority = rest[..<slash]
            let path = rest[slash...]
            guard path.hasPrefix("/s/") else { break }
            let secret = String(path.dropFirst(3).prefix { $0 != "?" && $0 != "#" && $0 != "/" })
            guard !secret.isEmpty else { throw CommandError("share link '\(url)' has no secret after /s/") }
            return ConnectionSettings(webSocketURL: "\(to)\(authority)/s/\(secret)", token: nil, shareSecret: secret)
        }
        if url.hasPrefix("http://") || url.hasPrefix("https://") {
            throw CommandError("'\(url)' is not a share link (http://HOST:PORT/s/SECRET); members connect with ws://HOST:PORT/ws")
        }
        return nil
    }
}

extension Optional where Wrapped == String {
    var nonEmpty: String? {
        guard let self, !self.isEmpty else { return nil }
        return self
    }
}
