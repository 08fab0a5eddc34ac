// CSystem as well as Glibc: MSG_NOSIGNAL comes through whichever of the two owns <sys/socket.h> in a
// given build, and with Glibc alone the build failed now and then ("cannot find MSG_NOSIGNAL").
import CSystem
#if canImport(Glibc)
import Glibc
#endif

/// A client's byte stream (plain TCP or TLS) with timeouts, for blocking callers.
/// The socket is non-blocking and waits happen in poll(); TLS calls are serialised by `ioLock`
/// because one SSL object must not be used by two threads at once.
// Safe: `fd` and `tls` are set in init; every use of `tls` holds `ioLock`, plain reads/writes are thread-safe syscalls.
final class ClientSocket: @unchecked Sendable {
    let fd: Int32
    private let tls: TLSSession?
    private let tlsContext: TLSContext?
    private let ioLock = TransportLock()
    private let closed = LockedBox(false)

    init(host: String, port: UInt16, tls configuration: TLSClientConfiguration?, timeout: Double) throws(TransportError) {
        let deadline = monotonicNanoseconds() + timeout.nanoseconds
        fd = try Sockets.connect(host: host, port: port, timeoutMilliseconds: Int32(clamping: Int(timeout * 1000)))
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        guard let configuration else {
            tls = nil
            tlsContext = nil
            return
        }
        // The session is stored only once its handshake is done: an init that throws after every
        // property is set runs `deinit`, whose close after the one below closed the descriptor
        // number again, by then perhaps another thread's socket or file.
        do {
            let context = try TLSContext(client: configuration)
            let session = try TLSSession(context: context, fd: fd, serverName: host)
            handshake: while true {
                switch session.connect() {
                case .done: break handshake
                case .wantRead: try Self.wait(fd: fd, events: Int16(POLLIN), deadline: deadline)
                case .wantWrite: try Self.wait(fd: fd, events: Int16(POLLOUT), deadline: deadline)
                case .closed: throw TransportError("SSL_connect", code: 0, detail: "connection closed")
                case .failed(let text): throw TransportError("SSL_connect", code: 0, detail: text)
                }
            }
            tlsContext = context
            tls = session
        } catch let error as TransportError {
            Glibc.close(fd)
            throw error
        } catch {
            Glibc.close(fd)
            throw TransportError("TLS", code: 0, detail: "\(error)")
        }
    }

    deinit { close() }

    /// Waits until `fd` is ready or the deadline passes.
    static func wait(fd: Int32, events: Int16, deadline: UInt64) throws(TransportError) {
        while true {
            let now = monotonicNanoseconds()
            guard now < deadline else { throw TransportError("poll", code: ETIMEDOUT) }
            var pfd = pollfd(fd: fd, events: events, revents: 0)
            let result = poll(&pfd, 1, Int32(clamping: (deadline - now + 999_999) / 1_000_000))
            if result > 0 { return }
            if result < 0 && errno != EINTR { throw TransportError("poll") }
        }
    }

    /// Writes everything or throws.
    // Safe: `bytes` is read during the call only, in ranges from offset < count
    func write(_ bytes: UnsafeRawBufferPointer, timeout: Double = 30) throws(TransportError) {
        let deadline = monotonicNanoseconds() + timeout.nanoseconds
        var offset = 0
        while offset < bytes.count {
            var waitFor: Int16 = 0
            let progress: Int = ioLock.withLock {
                if let tls {
                    switch tls.write(bytes.baseAddress! + offset, count: bytes.count - offset) {
                    case .done(let n): return n
                    case .wantRead: waitFor = Int16(POLLIN); return 0
                    case .wantWrite: waitFor = Int16(POLLOUT); return 0
                    case .closed, .failed: return -1
                    }
                }
                let n = send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 && (errno == EAGAIN || errno == EINTR) { waitFor = Int16(POLLOUT); return 0 }
                return n
            }
            if progress < 0 { throw TransportError("send") }
            offset += progress
            if waitFor != 0 { try Self.wait(fd: fd, events: waitFor, deadline: deadline) }
        }
    }

    /// Reads what is available into `buffer`, waiting until `deadline`. Returns 0 at EOF, nil on timeout.
    // Safe: at most buffer.count bytes are written into `buffer`, during the call only
    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: UInt64) throws(TransportError) -> Int? {
        while true {
            var waitFor: Int16 = Int16(POLLIN)
            let result: Int = ioLock.withLock {
                if let tls {
                    switch tls.read(into: buffer.baseAddress!, count: buffer.count) {
                    case .done(let n): return n
                    case .wantRead: return -2
                    case .wantWrite: waitFor = Int16(POLLOUT); return -2
                    case .closed: return 0
                    case .failed: return -1
                    }
                }
                let n = recv(fd, buffer.baseAddress, buffer.count, 0)
                if n < 0 && (errno == EAGAIN || errno == EINTR) { return -2 }
                return n
            }
            if result >= 0 { return result }
            if result == -1 { throw TransportError("recv") }
            do {
                try Self.wait(fd: fd, events: waitFor, deadline: deadline)
            } catch {
                if error.code == ETIMEDOUT { return nil }
                throw error
            }
        }
    }

    /// Half-closes the sending side.
    func shutdownWrite() {
        ioLock.withLock {
            tls?.shutdown()
            _ = shutdown(fd, Int32(SHUT_WR))
        }
    }

    func close() {
        let first = closed.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        if first { _ = Glibc.close(fd) }
    }
}
