import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `close-timeout`: how long a connection the server closes waits for the client's close frame
/// before its socket is dropped. It was a constant (5 s) no flag, variable or file line could set.
@Suite("close-timeout")
struct CloseTimeoutSettingTests {
    /// A tandemd closing an idle client (idle-timeout 2 s) that never answers the close frame: the
    /// seconds from the close frame to the socket's end, and the close code.
    private func closeWait(_ arguments: [String]) throws -> (seconds: Double, code: UInt16) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-close-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try TandemdProcess(databasePath: dir.appendingPathComponent("close.db").path,
                                        arguments: ["--idle-timeout", "2", "--ping-interval", "1"] + arguments)
        defer { server.stop() }
        let token = try String(contentsOfFile: dir.appendingPathComponent("close.owner-token").path, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let fd = try RawSocket.connect(port: server.port)
        defer { close(fd) }
        var timeout = timeval(tv_sec: Int(30 * testTimeScale), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let upgrade = "GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + "Sec-WebSocket-Protocol: tandem.v1\r\nAuthorization: Bearer \(token)\r\n\r\n"
        // Safe: the pointer is lent to the call only and not kept.
        _ = Array(upgrade.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }

        // Read everything (the 101, pings left unanswered, the close frame) until the server drops the socket.
        var bytes: [UInt8] = []
        var closeFrame: (at: Double, code: UInt16)?
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { throw TestFailure("the socket was never dropped") }
            guard n > 0 else { break } // EOF or a reset: the socket is gone
            bytes += buffer[..<n]
            if closeFrame == nil, let code = Self.closeCode(in: bytes) { closeFrame = (monotonicSeconds(), code) }
        }
        guard let closeFrame else { throw TestFailure("no close frame: \(String(decoding: bytes, as: UTF8.self))") }
        return (monotonicSeconds() - closeFrame.at, closeFrame.code)
    }

    /// The code of the first close frame after the HTTP answer, once it has all arrived.
    private static func closeCode(in bytes: [UInt8]) -> UInt16? {
        guard let end = bytes.indices.dropLast(3).first(where: { Array(bytes[$0..<$0 + 4]) == Array("\r\n\r\n".utf8) }) else { return nil }
        var at = end + 4
        while at + 2 <= bytes.count {
            var length = Int(bytes[at + 1] & 0x7F)
            var header = 2
            if length == 126 {
                guard at + 4 <= bytes.count else { return nil }
                length = Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
                header = 4
            } else if length == 127 {
                return nil // no such frame from this server here
            }
            guard at + header + length <= bytes.count else { return nil }
            if bytes[at] & 0x0F == 0x8, length >= 2 {
                return UInt16(bytes[at + header]) << 8 | UInt16(bytes[at + header + 1])
            }
            at += header + length
        }
        return nil
    }

    @Test func aShortCloseTimeoutDropsAPeerThatNeverAnswersTheClose() throws {
        let (seconds, code) = try closeWait(["--close-timeout", "0.5"])
        #expect(code == 4000, "the idle close")
        #expect(seconds >= 0.4 && seconds < 0.5 + 2 * testTimeScale, "dropped \(seconds) s after the close frame")
    }

    @Test func theDefaultIsStillFiveSeconds() throws {
        let (seconds, code) = try closeWait([])
        #expect(code == 4000, "the idle close")
        #expect(seconds >= 4.8 && seconds < 5 + 3 * testTimeScale, "dropped \(seconds) s after the close frame")
    }

    /// 0, negative, absurdly long or not a number: refused at start, naming the setting and its range.
    @Test func valuesOutOfBoundsAreRefusedAtStart() throws {
        for value in ["0", "-1", "0.01", "121", "86400", "nan", "inf", "five"] {
            let result = try TandemdProcess.run(["--close-timeout=\(value)"])
            let output = result.stdout + result.stderr
            #expect(result.status != 0, "--close-timeout \(value) was taken")
            #expect(output.contains("--close-timeout: close-timeout: "), "--close-timeout \(value): \(output)")
            #expect(output.contains("outside 0.1...120") || output.contains("expected a number"), "--close-timeout \(value): \(output)")
        }
    }
}
