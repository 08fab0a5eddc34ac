/// The link to hand out for a new share link.
public enum ShareURL {
    /// `share.create` answers with the whole link when the server knows its public address
    /// (`public-url`), else with the path `/s/SECRET`, which is prefixed with the origin the client
    /// connected to (`ws://HOST:PORT/ws` → `http://HOST:PORT`, `wss://` → `https://`).
    public static func absolute(_ url: String, webSocketURL: String) -> String {
        if url.hasPrefix("http://") || url.hasPrefix("https://") { return url }
        return server(of: webSocketURL) + url
    }

    /// The server's web origin for a WebSocket URL, without its path (which, for a share link, is
    /// the link's secret): `ws://HOST:PORT/...` → `http://HOST:PORT`, `wss://` → `https://`.
    public static func server(of webSocketURL: String) -> String {
        var origin = webSocketURL
        if origin.hasPrefix("wss://") {
            origin = "https://" + origin.dropFirst(6)
        } else if origin.hasPrefix("ws://") {
            origin = "http://" + origin.dropFirst(5)
        }
        if let schemeEnd = origin.firstRange(of: "://"), let slash = origin[schemeEnd.upperBound...].firstIndex(of: "/") {
            origin = String(origin[..<slash])
        }
        return origin
    }
}
