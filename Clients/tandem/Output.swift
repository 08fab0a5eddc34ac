import Foundation
import Synchronization
import TandemClientKit

/// Writes to stdout/stderr from any thread, one whole line at a time.
enum Output {
    private static let lock = Mutex(())

    static func line(_ text: String) {
        write(text + "\n", to: 1)
    }

    static func error(_ text: String) {
        write(text + "\n", to: 2)
    }

    static func write(_ text: String, to fd: Int32) {
        lock.withLock { _ in
            let bytes = Array(text.utf8)
            var offset = 0
            while offset < bytes.count {
                // Unsafe pointer: valid for the closure; write(2) reads at most `count` bytes from it.
                let n = bytes[offset...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                offset += n
            }
        }
    }

    static var stdoutIsTTY: Bool { isatty(1) == 1 }
    static var stdinIsTTY: Bool { isatty(0) == 1 }

    /// The renderer for stdout: colour on a TTY unless NO_COLOR; clock in local time.
    static func renderer() -> Renderer {
        Renderer(color: Renderer.wantsColor(isTTY: stdoutIsTTY, environment: ProcessInfo.processInfo.environment),
                 utcOffsetSeconds: TimeZone.current.secondsFromGMT())
    }
}

/// A failure already explained to the user: print `tandem: MESSAGE` and exit 1 (never a stack trace).
struct Failure: Error, CustomStringConvertible {
    var message: String
    var exitCode: Int32 = 1
    init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }
    var description: String { message }
}
