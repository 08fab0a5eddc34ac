/// Incremental parser of an HTTP/1.1 response head, for the client side of the handshake.
/// Returns the response (status, reason, headers; empty body) once the blank line arrives;
/// bytes after it (the server's first frames) stay in `leftover`. A malformed head gives an
/// `HTTPError` with status 0 (nothing to answer: the client just gives up).
public struct HTTPResponseParser: Sendable {
    private var head: HTTPHeadReader
    private var delivered = false

    public init(limits: HTTPLimits = .init()) {
        head = HTTPHeadReader(limits: limits)
    }

    /// Bytes received after the response head.
    public var leftover: [UInt8] {
        get { head.leftover }
        set { head.leftover = newValue }
    }

    /// Consumes bytes. Returns the response head exactly once, when it is complete.
    // Safe: `bytes` is read during the call only; nothing keeps a pointer into it
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) throws(HTTPError) -> HTTPResponse? {
        let done: Bool
        do {
            done = try head.feed(bytes)
        } catch {
            throw HTTPError(status: 0, message: "malformed response: \(error.message)")
        }
        guard done, !delivered else { return nil }
        delivered = true
        let line = head.startLine ?? ""
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, isHTTPVersion(parts[0]), parts[1].utf8.count == 3,
              let status = Int(parts[1]), status >= 100 else {
            throw HTTPError(status: 0, message: "malformed status line")
        }
        let reason = parts.count == 3 ? String(parts[2]) : ""
        return HTTPResponse(status: status, reason: reason, headers: head.headers.map { ($0.name, $0.value) })
    }

    /// Consumes bytes given as an array.
    public mutating func feed(_ bytes: [UInt8]) throws(HTTPError) -> HTTPResponse? {
        // Safe: the pointer is lent to the call only and not kept
        let result = bytes.withUnsafeBytes { raw -> Result<HTTPResponse?, HTTPError> in
            do throws(HTTPError) { return .success(try feed(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
