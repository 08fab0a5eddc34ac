import Foundation
import Testing
@testable import TandemTransport

/// Records what the server saw, echoes data messages, and answers a few plain routes.
// Safe: every mutable field is behind `lock`.
final class RecordingApp: WebSocketApplication, @unchecked Sendable {
    private let lock = NSLock()
    private var _opened: [WebSocketConnection] = []
    private var _closedCodes: [UInt64: UInt16?] = [:]
    private var _messages: [WebSocketMessage] = []
    let echo: Bool
    let requireToken: String?

    init(echo: Bool = true, requireToken: String? = nil) {
        self.echo = echo
        self.requireToken = requireToken
    }

    func handle(http request: HTTPRequest) -> HTTPResponse {
        switch request.path {
        case "/healthz": return .text(200, "ok\n")
        default: return .text(404, "not found\n")
        }
    }

    func shouldUpgrade(_ request: HTTPRequest, subprotocol: String?) -> UpgradeDecision {
        if request.path == "/forbidden" { return .reject(.text(404, "no such endpoint\n")) }
        if let requireToken, request.header("authorization") != "Bearer \(requireToken)" {
            return .reject(.text(401, "unauthorized\n"))
        }
        return .accept(context: request.path)
    }

    func opened(_ connection: WebSocketConnection) {
        lock.withLock { _opened.append(connection) }
    }

    func received(_ message: WebSocketMessage, on connection: WebSocketConnection) {
        lock.withLock { _messages.append(message) }
        guard echo else { return }
        switch message {
        case .text(let bytes): connection.send(SharedFrame(opcode: .text, payload: bytes))
        case .binary(let bytes): connection.send(SharedFrame(opcode: .binary, payload: bytes))
        }
    }

    func closed(_ connection: WebSocketConnection, code: UInt16?) {
        lock.withLock { _closedCodes[connection.id] = code }
    }

    var opened: [WebSocketConnection] { lock.withLock { _opened } }
    var closedCodes: [UInt64: UInt16?] { lock.withLock { _closedCodes } }
    var messages: [WebSocketMessage] { lock.withLock { _messages } }
}

/// A running server on 127.0.0.1:0, shut down by `stop()`.
struct TestServer {
    let server: WebSocketServer
    let port: UInt16
    var url: String { "ws://127.0.0.1:\(port)" }

    init(_ configure: (inout TransportConfiguration) -> Void = { _ in }, application: any WebSocketApplication) throws {
        var configuration = TransportConfiguration(host: "127.0.0.1", port: 0, loopCount: 2)
        configure(&configuration)
        server = try WebSocketServer(configuration: configuration, application: application)
        port = try server.start()
    }

    func stop(grace: Double = 0.3) { server.shutdown(grace: grace) }
}

/// A one-loop server with one client connected, and the server's side of that connection.
struct OneClientServer {
    struct NotOpened: Error {}

    let server: TestServer
    let client: WebSocketClient
    let connection: WebSocketConnection

    init(_ configure: (inout TransportConfiguration) -> Void = { _ in }) throws {
        let app = RecordingApp(echo: false)
        server = try TestServer({ $0.loopCount = 1; configure(&$0) }, application: app)
        client = try WebSocketClient(url: server.url)
        guard eventually({ app.opened.count == 1 }) else {
            server.stop()
            throw NotOpened()
        }
        connection = app.opened[0]
    }

    func stop() { server.stop() }
}

/// Waits (polling) until `condition` holds or `timeout` passes, scaled by `testTimeScale`: under a
/// sanitizer (5x) on a loaded machine, a server loop takes that much longer to close what it closes.
func eventually(timeout: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout * testTimeScale)
    while Date() < deadline {
        if condition() { return true }
        usleep(2_000)
    }
    return condition()
}

/// A raw TCP connection for sending arbitrary bytes and reading the answer.
final class RawSocket {
    let fd: Int32

    /// `from`: the local address to connect from (any of 127/8 is loopback on Linux), to play
    /// another client host.
    init(port: UInt16, receiveBuffer: Int32? = nil, from source: String? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            // Safe: sockaddr_in is layout-compatible with the sockaddr bind expects; the pointer lives only for the call.
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            // No close here: an init that throws once `fd` is set runs deinit, which closes it (a
            // second close would hit whatever another test thread opened under that number since).
            guard bound == 0 else { throw TransportError("bind \(source)") }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        // Safe: sockaddr_in is layout-compatible with the sockaddr connect expects; the pointer lives only for the call
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw TransportError("connect") }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            // Safe: the pointer is lent to the call only and not kept.
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    /// True when the server closed this connection: a read gives EOF or a reset, not "nothing yet".
    var isClosedByPeer: Bool {
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_DONTWAIT | MSG_PEEK))
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    /// Sends FIN (what a client does after reading the server's close).
    func halfClose() { _ = shutdown(fd, Int32(SHUT_WR)) }

    /// Reads until EOF, `limit` bytes, or `timeout`.
    func readAll(timeout: Double = 5, limit: Int = 1 << 20) -> [UInt8] {
        read(timeout: timeout) { $0.count >= limit }
    }

    /// Reads until what has arrived contains `text`, or EOF, or `timeout`: for an answer on a
    /// connection that stays open, without waiting out the whole timeout.
    func read(until text: String, timeout: Double) -> String {
        let wanted = text.utf8.count
        let out = read(timeout: timeout) { $0.count >= wanted && String(decoding: $0, as: UTF8.self).contains(text) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Reads until `done` says so of what has arrived, or EOF, or `timeout`.
    private func read(timeout: Double, until done: ([UInt8]) -> Bool) -> [UInt8] {
        var out: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !done(out) {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { break }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, Int32(remaining * 1000) + 1) <= 0 { break }
            // Safe: the pointer is lent to this one recv, which writes at most `count` bytes into the buffer.
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            out.append(contentsOf: buffer[0..<n])
        }
        return out
    }

    /// Reads the HTTP status code of the response (waits for EOF or a blank line).
    func readStatus(timeout: Double = 5) -> Int? {
        let text = String(decoding: readAll(timeout: timeout), as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1.1") else { return nil }
        return Int(parts[1])
    }
}

/// A valid client upgrade request for `path`.
func upgradeRequest(path: String = "/", extra: String = "") -> String {
    "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\(extra)\r\n"
}

/// A masked client frame.
func clientFrame(_ opcode: WebSocketOpcode, _ payload: [UInt8], fin: Bool = true, rsv1: Bool = false) -> [UInt8] {
    FrameEncoder.encode(opcode: opcode, payload: payload, fin: fin, rsv1: rsv1, maskKey: 0x1234_5678)
}

/// The server's close code found in raw bytes after the 101 response, if any.
func closeCode(inServerBytes bytes: [UInt8]) -> UInt16? {
    var reader = MessageReader(role: .client, limits: WebSocketLimits(maxFramePayload: 1 << 26, maxMessageSize: 1 << 26))
    var start = 0
    if bytes.starts(with: Array("HTTP/1.1 101".utf8)) {
        guard let end = bytes.indices.dropLast(3).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10 }) else { return nil }
        start = end + 4
    }
    reader.append(Array(bytes[start...]))
    while let event = try? reader.next() {
        if case .close(let code, _) = event { return code }
    }
    return nil
}
