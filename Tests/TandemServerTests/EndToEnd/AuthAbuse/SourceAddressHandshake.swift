import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One WebSocket upgrade request sent from a chosen loopback source address (127.0.0.2, 127.0.0.3 ...:
/// all of 127/8 is loopback on Linux), so one test can be several client hosts: the auth throttle
/// counts failures per address. Returns the status line's code and the headers of the answer.
/// With `upgrade: false` it is a plain GET (the share link's viewer page).
struct SourceAddressHandshake {
    struct Answer: Sendable {
        var status: Int
        /// Header names lowercased.
        var headers: [String: String]
    }

    static func attempt(port: UInt16, from source: String, target: String,
                        headers: [(String, String)] = [], upgrade: Bool = true) throws -> Answer {
        let (fd, answer) = try open(port: port, from: source, target: target, headers: headers, upgrade: upgrade)
        close(fd)
        return answer
    }

    /// Like `attempt`, and the socket stays open (the caller closes it): a connection that holds
    /// its place once upgraded.
    static func open(port: UInt16, from source: String, target: String,
                     headers: [(String, String)] = [], upgrade: Bool = true) throws -> (fd: Int32, answer: Answer) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        var handedOver = false
        defer { if !handedOver { close(fd) } }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var local = try address(source, port: 0)
        var remote = try address("127.0.0.1", port: port)
        // Safe: sockaddr_in is layout-compatible with the sockaddr the calls expect; the pointers live only for the call.
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw TestFailure("bind \(source): errno \(errno)") }
        // Safe: same layout argument as for bind.
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure("connect from \(source): errno \(errno)") }

        var request = "GET \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        if upgrade {
            request += "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: tandem.v1\r\n"
        }
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        let bytes = Array(request.utf8)
        guard send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { throw TestFailure("send: errno \(errno)") }

        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: received, as: UTF8.self).contains("\r\n\r\n") {
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { break }
            received += buffer[0..<n]
        }
        let head = String(decoding: received, as: UTF8.self).components(separatedBy: "\r\n\r\n")[0]
        let lines = head.components(separatedBy: "\r\n")
        let parts = lines.first?.split(separator: " ") ?? []
        guard parts.count >= 2, let status = Int(parts[1]) else { throw TestFailure("no HTTP answer from \(source): \(head)") }
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        handedOver = true
        return (fd, Answer(status: status, headers: fields))
    }

    private static func address(_ host: String, port: UInt16) throws -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw TestFailure("not an IPv4 address: \(host)") }
        return address
    }
}
