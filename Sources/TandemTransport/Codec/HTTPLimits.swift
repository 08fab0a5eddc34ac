/// Limits on an HTTP/1.1 request or response head. Exceeding them gives 431 (a request line: 414).
public struct HTTPLimits: Sendable, Equatable {
    /// Longest request line (or status line), in bytes without the line ending (default 8 KiB).
    public var maxRequestLineLength: Int
    /// Most header fields (default 64).
    public var maxHeaderCount: Int
    /// Most bytes in the header block after the first line, line endings included (default 16 KiB).
    public var maxHeaderBytes: Int

    public init(maxRequestLineLength: Int = 8 * 1024, maxHeaderCount: Int = 64, maxHeaderBytes: Int = 16 * 1024) {
        self.maxRequestLineLength = maxRequestLineLength
        self.maxHeaderCount = maxHeaderCount
        self.maxHeaderBytes = maxHeaderBytes
    }
}
