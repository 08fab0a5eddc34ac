/// Incremental reader of an HTTP/1.1 head (start line + header fields + blank line), shared by
/// the request and response parsers. Byte-at-a-time safe: each byte is looked at once, and limits
/// are enforced while a line is still arriving, so an endless line is refused at the limit.
struct HTTPHeadReader: Sendable {
    let limits: HTTPLimits
    private(set) var startLine: String?
    private(set) var headers: [(name: String, value: String)] = []
    private(set) var isComplete = false
    /// Bytes received after the blank line.
    var leftover: [UInt8] = []
    private var line: [UInt8] = []
    private var headerBytes = 0
    private var leadingEmptyLines = 0

    init(limits: HTTPLimits) { self.limits = limits }

    /// Consumes bytes; returns true once the blank line ending the head has arrived.
    // Safe: `bytes` is read during the call, in ranges below its count; what is kept is copied into `line` or `leftover`
    mutating func feed(_ bytes: UnsafeRawBufferPointer) throws(HTTPError) -> Bool {
        if isComplete {
            leftover.append(contentsOf: bytes)
            return true
        }
        var i = 0
        let count = bytes.count
        while i < count {
            // Find the end of the current line within this chunk.
            var j = i
            while j < count && bytes[j] != 0x0A { j += 1 }
            let segment = j - i
            let limit = startLine == nil ? limits.maxRequestLineLength + 1 : limits.maxHeaderBytes - headerBytes
            if line.count + segment > limit {
                throw startLine == nil ? HTTPError(status: 414, message: "request line too long")
                                       : HTTPError(status: 431, message: "header block too large")
            }
            line.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<j]))
            if j == count { return false }
            // j is a line feed.
            i = j + 1
            if startLine != nil { headerBytes += line.count + 1 }
            if line.last == 0x0D { line.removeLast() }
            if try completeLine() {
                isComplete = true
                leftover.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<count]))
                return true
            }
        }
        return false
    }

    /// Handles one complete line (without its ending); true when it was the closing blank line.
    private mutating func completeLine() throws(HTTPError) -> Bool {
        defer { line.removeAll(keepingCapacity: true) }
        if startLine == nil {
            // RFC 9112 §2.2: ignore a few empty lines before the request line, not an endless stream.
            if line.isEmpty {
                leadingEmptyLines += 1
                if leadingEmptyLines > 4 { throw HTTPError(status: 400, message: "empty lines before the request line") }
                return false
            }
            guard line.count <= limits.maxRequestLineLength else {
                throw HTTPError(status: 414, message: "request line too long")
            }
            guard let text = String(validating: line, as: UTF8.self), !line.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
                throw HTTPError(status: 400, message: "malformed request line")
            }
            startLine = text
            return false
        }
        if line.isEmpty { return true }
        if line[0] == 0x20 || line[0] == 0x09 {
            throw HTTPError(status: 400, message: "obsolete line folding")
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0,
              line[0..<colon].allSatisfy(isTokenByte) else {
            throw HTTPError(status: 400, message: "malformed header line")
        }
        let valueBytes = line[(colon + 1)...]
        if valueBytes.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
            throw HTTPError(status: 400, message: "control character in header value")
        }
        guard headers.count < limits.maxHeaderCount else {
            throw HTTPError(status: 431, message: "too many header fields")
        }
        let name = String(decoding: line[0..<colon], as: UTF8.self)
        // Non-UTF-8 bytes in values (obs-text) are tolerated and replaced; we only read ASCII ones.
        let value = trimOWS(Substring(String(decoding: valueBytes, as: UTF8.self)))
        headers.append((name: name, value: value))
        return false
    }
}
