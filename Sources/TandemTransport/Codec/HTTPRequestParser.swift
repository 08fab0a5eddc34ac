/// Incremental parser of an HTTP/1.1 request head (the WebSocket upgrade request).
///
/// Feed bytes as they arrive; `feed` returns the request once the blank line has arrived and nil
/// before. Bytes after the head stay in `leftover` (a client may pipeline its first WebSocket
/// frames right behind the request). Errors carry the status to answer with: 400 malformed,
/// 414 for a request line over its limit, 431 for headers over theirs. Bodies are not supported (an upgrade request has none):
/// a head that announces one, or whose framing or Host is ambiguous, is refused with 400 (`HTTPRequestFraming`).
public struct HTTPRequestParser: Sendable {
    private var head: HTTPHeadReader
    private var delivered = false

    public init(limits: HTTPLimits = .init()) {
        head = HTTPHeadReader(limits: limits)
    }

    /// Bytes received after the request head.
    public var leftover: [UInt8] {
        get { head.leftover }
        set { head.leftover = newValue }
    }

    /// Whether the request has been returned; later bytes only accumulate in `leftover`.
    public var isComplete: Bool { delivered }

    /// Consumes bytes. Returns the request exactly once, when its head is complete.
    // Safe: `bytes` is read during the call only; nothing keeps a pointer into it
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) throws(HTTPError) -> HTTPRequest? {
        let done = try head.feed(bytes)
        guard done, !delivered else { return nil }
        delivered = true
        return try Self.makeRequest(startLine: head.startLine ?? "", headers: head.headers)
    }

    /// Consumes bytes given as an array.
    public mutating func feed(_ bytes: [UInt8]) throws(HTTPError) -> HTTPRequest? {
        // Safe: the pointer is lent to the call only and not kept
        let result = bytes.withUnsafeBytes { raw -> Result<HTTPRequest?, HTTPError> in
            do throws(HTTPError) { return .success(try feed(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    static func makeRequest(startLine: String, headers: [(name: String, value: String)]) throws(HTTPError) -> HTTPRequest {
        let parts = startLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, isToken(parts[0]), !parts[1].isEmpty, isHTTPVersion(parts[2]) else {
            throw HTTPError(status: 400, message: "malformed request line")
        }
        try HTTPRequestFraming.check(version: String(parts[2]), headers: headers)
        let target = String(parts[1])
        var pathAndQuery = Substring(target)
        if !target.hasPrefix("/") {
            // absolute-form (RFC 9112 §3.2.2): drop "scheme://authority".
            guard let colon = target.firstIndex(of: ":"), target[colon...].hasPrefix("://"),
                  isToken(target[..<colon]) else {
                throw HTTPError(status: 400, message: "malformed request target")
            }
            let afterScheme = target[target.index(colon, offsetBy: 3)...]
            if let slash = afterScheme.firstIndex(of: "/") {
                pathAndQuery = afterScheme[slash...]
            } else if let q = afterScheme.firstIndex(of: "?") {
                pathAndQuery = "/" + afterScheme[q...]
            } else {
                pathAndQuery = "/"
            }
        }
        if let hash = pathAndQuery.firstIndex(of: "#") { pathAndQuery = pathAndQuery[..<hash] }
        let path: Substring
        var query: [String: String] = [:]
        var repeated: Set<String> = []
        if let q = pathAndQuery.firstIndex(of: "?") {
            path = pathAndQuery[..<q]
            guard let parsed = QueryString.parse(pathAndQuery[pathAndQuery.index(after: q)...], repeated: &repeated) else {
                throw HTTPError(status: 400, message: "malformed query string")
            }
            query = parsed
        } else {
            path = pathAndQuery
        }
        return HTTPRequest(
            method: String(parts[0]), target: target, path: String(path), query: query, repeatedQueryNames: repeated,
            version: String(parts[2]), headers: headers)
    }
}

/// "HTTP/" DIGIT "." DIGIT
func isHTTPVersion(_ s: some StringProtocol) -> Bool {
    let b = Array(s.utf8)
    return b.count == 8 && b[0..<5].elementsEqual("HTTP/".utf8)
        && (0x30...0x39).contains(b[5]) && b[6] == UInt8(ascii: ".") && (0x30...0x39).contains(b[7])
}

/// application/x-www-form-urlencoded style query strings.
public enum QueryString {
    /// Parses "a=1&b=x%20y" into a dictionary; "+" decodes to a space, a name without "=" maps to
    /// "", the first occurrence of a name wins. Nil on a bad percent escape or invalid UTF-8.
    public static func parse(_ query: Substring) -> [String: String]? {
        var repeated: Set<String> = []
        return parse(query, repeated: &repeated)
    }

    /// The same, collecting the names that appear more than once into `repeated`.
    public static func parse(_ query: Substring, repeated: inout Set<String>) -> [String: String]? {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let name: Substring
            let value: Substring
            if let eq = pair.firstIndex(of: "=") {
                name = pair[..<eq]
                value = pair[pair.index(after: eq)...]
            } else {
                name = pair
                value = ""
            }
            guard let n = percentDecode(name, plusIsSpace: true),
                  let v = percentDecode(value, plusIsSpace: true) else { return nil }
            if result[n] == nil { result[n] = v } else { repeated.insert(n) }
        }
        return result
    }

    /// Decodes %XX escapes (and "+" as space if asked). Nil on a malformed escape or if the
    /// result is not UTF-8.
    public static func percentDecode(_ s: Substring, plusIsSpace: Bool = false) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        var it = s.utf8.makeIterator()
        while let c = it.next() {
            if c == UInt8(ascii: "%") {
                guard let h = it.next(), let l = it.next(), let hv = hexValue(h), let lv = hexValue(l) else { return nil }
                out.append(hv << 4 | lv)
            } else if c == UInt8(ascii: "+") && plusIsSpace {
                out.append(0x20)
            } else {
                out.append(c)
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
