import Foundation
import Synchronization
import TandemClientKit
import TandemJSON

/// Writes to stdout/stderr from any thread, one whole line at a time.
///
/// Every line is made safe for a terminal here, so that no path can print a hostile server's bytes
/// raw (an error message, a close reason, an id, a refused handshake's status line): `line` and
/// `error` escape their whole text (`PrintableText.line`), `json` keeps a JSON text the same JSON
/// with its controls as `\u` escapes. Only the renderer's lines (`rendered`) pass as they are: it
/// escapes what it quotes and adds its own colour.
enum Output {
    private static let lock = Mutex(())

    /// A line of plain text on stdout, escaped.
    static func line(_ text: String) {
        write(PrintableText.line(text) + "\n", to: 1)
    }

    /// A line of plain text on stderr, escaped.
    static func error(_ text: String) {
        write(PrintableText.line(text) + "\n", to: 2)
    }

    /// A line (or a turn's block) the `Renderer` made, on stdout.
    static func rendered(_ text: String) {
        write(text + "\n", to: 1)
    }

    /// A line the `Renderer` made, on stderr.
    static func renderedError(_ text: String) {
        write(text + "\n", to: 2)
    }

    /// A JSON value on one line of stdout (`--json`).
    static func json(_ value: JSONValue) {
        json(text: value.serialized())
    }

    /// A JSON text on one line of stdout: a value serialized, or a frame as the server sent it.
    static func json(text: String) {
        write(PrintableText.json(text: text) + "\n", to: 1)
    }

    static func write(_ text: String, to fd: Int32) {
        lock.withLock { _ in
            let bytes = Array(text.utf8)
            var offset = 0
            while offset < bytes.count {
                // Safe: the pointer is valid for the closure; write(2) reads at most `count` bytes from it.
                let n = bytes[offset...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    if fd == 1 { standardOutputFailed(errno: errno) }
                    break
                }
                offset += n
            }
        }
    }

    /// Standard output is gone (the reader of a pipe left: `tandem tail | head -1`) or cannot take
    /// more (a full disk): stop, as a program killed by SIGPIPE would (status 141), or with the
    /// reason and status 1. Going on would follow a session forever for no one, or report a
    /// truncated export as a success.
    private static func standardOutputFailed(errno code: Int32) -> Never {
        if code == EPIPE { exit(141) }
        let message = "tandem: cannot write to standard output: \(String(cString: strerror(code)))\n"
        _ = message.withCString { Foundation.write(2, $0, strlen($0)) }
        exit(1)
    }

    static var stdoutIsTTY: Bool { isatty(1) == 1 }
    static var stdinIsTTY: Bool { isatty(0) == 1 }

    /// The width of the terminal on stdout, asked each time (a window can be resized); nil when
    /// stdout is no terminal.
    static func terminalColumns() -> Int? {
        var size = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    /// The renderer for stdout: colour on a TTY unless NO_COLOR; clock in local time; tables fit
    /// the terminal's width as it is now (a pipe gets plain columns whatever their width).
    static func renderer() -> Renderer {
        Renderer(color: Renderer.wantsColor(isTTY: stdoutIsTTY, environment: ProcessInfo.processInfo.environment),
                 utcOffsetSeconds: TimeZone.current.secondsFromGMT(), width: terminalColumns(),
                 now: Int64(Date().timeIntervalSince1970 * 1000))
    }

    /// The renderer for details of a failure written to stderr: colour only when stderr is a TTY.
    static func errorRenderer() -> Renderer {
        Renderer(color: Renderer.wantsColor(isTTY: isatty(2) == 1, environment: ProcessInfo.processInfo.environment),
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
