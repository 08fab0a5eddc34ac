#if canImport(Glibc)
import Glibc
#endif

/// Failures of the I/O layer (sockets, epoll, TLS setup). Protocol errors are `WebSocketError`.
public struct TransportError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The call that failed, e.g. `"bind"`.
    public let operation: String
    /// `errno` at the time, or 0 when the failure is not a system call.
    public let code: Int32
    /// Extra detail (OpenSSL's error string, a host name, ...).
    public let detail: String

    public init(_ operation: String, code: Int32 = errno, detail: String = "") {
        self.operation = operation
        self.code = code
        self.detail = detail
    }

    public var description: String {
        var text = operation
        if code != 0 { text += ": " + String(cString: strerror(code)) }
        if !detail.isEmpty { text += " (" + detail + ")" }
        return text
    }
}
