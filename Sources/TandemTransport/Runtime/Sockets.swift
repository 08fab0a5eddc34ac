import CSystem
#if canImport(Glibc)
import Glibc
#endif

/// Thin helpers over the BSD socket calls the runtime uses (IPv4 and IPv6, TCP only).
enum Sockets {
    /// Ignores SIGPIPE process-wide (writes also pass MSG_NOSIGNAL where the call allows).
    static let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    /// A resolved numeric address; host names other than "localhost" are not resolved here.
    // Safe: `body` gets a pointer to a local sockaddr_in/_in6 for the call only, rebound to sockaddr (its layout-compatible prefix) with the true length
    static func withAddress<T>(host: String, port: UInt16,
                               _ body: (UnsafePointer<sockaddr>, socklen_t, Int32) throws(TransportError) -> T) throws(TransportError) -> T {
        let name = host == "localhost" ? "127.0.0.1" : host
        var v4 = sockaddr_in()
        v4.sin_family = sa_family_t(AF_INET)
        v4.sin_port = port.bigEndian
        if inet_pton(AF_INET, name, &v4.sin_addr) == 1 {
            return try withUnsafePointer(to: &v4) { (pointer) throws(TransportError) -> T in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (address) throws(TransportError) -> T in
                    try body(address, socklen_t(MemoryLayout<sockaddr_in>.size), AF_INET)
                }
            }
        }
        var v6 = sockaddr_in6()
        v6.sin6_family = sa_family_t(AF_INET6)
        v6.sin6_port = port.bigEndian
        let bare = name.hasPrefix("[") && name.hasSuffix("]") ? String(name.dropFirst().dropLast()) : name
        if inet_pton(AF_INET6, bare, &v6.sin6_addr) == 1 {
            return try withUnsafePointer(to: &v6) { (pointer) throws(TransportError) -> T in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (address) throws(TransportError) -> T in
                    try body(address, socklen_t(MemoryLayout<sockaddr_in6>.size), AF_INET6)
                }
            }
        }
        throw TransportError("address", code: 0, detail: "not a numeric IP address: \(host)")
    }

    /// A non-blocking listening socket; `reusePort` lets one listener per loop share the port.
    static func listen(host: String, port: UInt16, backlog: Int32, reusePort: Bool) throws(TransportError) -> Int32 {
        try withAddress(host: host, port: port) { (address, length, family) throws(TransportError) -> Int32 in
            let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw TransportError("socket") }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            if reusePort { setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) }
            guard bind(fd, address, length) == 0 else {
                let error = TransportError("bind", detail: "\(host):\(port)")
                close(fd)
                throw error
            }
            guard Glibc.listen(fd, backlog) == 0 else {
                let error = TransportError("listen")
                close(fd)
                throw error
            }
            return fd
        }
    }

    /// The local port a socket is bound to.
    // Safe: sockaddr_storage fits and aligns every sockaddr; it is read as the family getsockname reported, inside the closures
    static func localPort(_ fd: Int32) -> UInt16 {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { return 0 }
        let family = storage.ss_family
        return withUnsafePointer(to: &storage) { pointer -> UInt16 in
            if family == sa_family_t(AF_INET6) {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
    }

    /// "ip:port" for an accepted peer.
    // Safe: the storage is read as the family it holds, inside the closures; inet_ntop writes at most buffer.count bytes
    static func describe(_ storage: inout sockaddr_storage) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = storage.ss_family
        return withUnsafePointer(to: &storage) { pointer -> String in
            if family == sa_family_t(AF_INET6) {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 -> String in
                    var address = v6.pointee.sin6_addr
                    inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count))
                    return "[\(cStringToString(buffer))]:\(UInt16(bigEndian: v6.pointee.sin6_port))"
                }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 -> String in
                var address = v4.pointee.sin_addr
                inet_ntop(AF_INET, &address, &buffer, socklen_t(buffer.count))
                return "\(cStringToString(buffer)):\(UInt16(bigEndian: v4.pointee.sin_port))"
            }
        }
    }

    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// A blocking TCP connection (used by the client side), with a connect timeout.
    static func connect(host: String, port: UInt16, timeoutMilliseconds: Int32) throws(TransportError) -> Int32 {
        _ = ignoreSIGPIPE
        return try withAddress(host: host, port: port) { (address, length, family) throws(TransportError) -> Int32 in
            let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw TransportError("socket") }
            if Glibc.connect(fd, address, length) != 0 {
                guard errno == EINPROGRESS else {
                    let error = TransportError("connect", detail: "\(host):\(port)")
                    close(fd)
                    throw error
                }
                var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let ready = poll(&pfd, 1, timeoutMilliseconds)
                var soError: Int32 = 0
                var size = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &size)
                guard ready == 1, soError == 0 else {
                    close(fd)
                    throw TransportError("connect", code: ready == 1 ? soError : ETIMEDOUT, detail: "\(host):\(port)")
                }
            }
            // Back to blocking: the client side waits with poll() and per-call timeouts.
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)
            setNoDelay(fd)
            return fd
        }
    }
}

/// Decodes a NUL-terminated C character array.
func cStringToString(_ buffer: [CChar]) -> String {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}

/// Writes one line to standard error (unbuffered; safe from any thread).
func logTransportError(_ message: String) {
    var line = Array("tandem-transport: \(message)\n".utf8)
    // Safe: the pointer is used for the write(2) call only, within the array's count
    _ = line.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}
