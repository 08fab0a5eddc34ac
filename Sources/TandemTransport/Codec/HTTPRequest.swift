/// A parsed HTTP/1.1 request head.
public struct HTTPRequest: Sendable {
    /// "GET" etc., case-sensitive as RFC 9110 says.
    public var method: String
    /// The request target exactly as sent.
    public var target: String
    /// The path part of the target (no query), still percent-encoded so that an encoded "/"
    /// cannot fake a path segment. For an absolute-form target the scheme and authority are dropped.
    public var path: String
    /// Query parameters, percent-decoded ("+" means space). When a name repeats, the first wins.
    public var query: [String: String]
    /// Query parameter names that appear more than once (a credential must not be ambiguous).
    public var repeatedQueryNames: Set<String>
    /// "HTTP/1.1" etc.
    public var version: String
    /// Header fields in arrival order, names as sent, values with surrounding whitespace trimmed.
    public var headers: [(name: String, value: String)]

    public init(method: String, target: String, path: String, query: [String: String], repeatedQueryNames: Set<String> = [],
                version: String, headers: [(name: String, value: String)]) {
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.repeatedQueryNames = repeatedQueryNames
        self.version = version
        self.headers = headers
    }

    /// The first value of a header (case-insensitive name), or nil.
    public func header(_ name: String) -> String? {
        headers.first { asciiCaseInsensitiveEquals($0.name, name) }?.value
    }

    /// Every value of a header (case-insensitive name), in order.
    public func headerValues(_ name: String) -> [String] {
        headers.filter { asciiCaseInsensitiveEquals($0.name, name) }.map(\.value)
    }
}
