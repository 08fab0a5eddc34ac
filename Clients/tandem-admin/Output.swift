import Foundation
import TandemClientKit
import TandemJSON

/// Tables for people, tab-separated lines for pipes, JSON for scripts.
enum Output {
    static let isTerminal = isatty(1) == 1

    /// On a terminal: a header and padded columns. Piped: tab-separated rows, no header (tabs and
    /// newlines inside values become spaces, so each row stays one line). Either way other control
    /// characters show as visible escapes (`printable`).
    static func table(_ headers: [String], _ rows: [[String]], empty: String) {
        guard isTerminal else {
            for row in rows {
                print(row.map { printable($0.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ")) }
                    .joined(separator: "\t"))
            }
            return
        }
        if rows.isEmpty {
            print(empty)
            return
        }
        let cells = ([headers] + rows).map { $0.map { printable($0.replacingOccurrences(of: "\n", with: " ")) } }
        var widths = headers.map { _ in 0 }
        for row in cells { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        for (n, row) in cells.enumerated() {
            let line = row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
            }.joined(separator: "  ")
            print(n == 0 ? "\u{1B}[1m\(line)\u{1B}[0m" : line)
        }
    }

    /// `text` safe to print: titles, display names, labels, metadata and audit details are written by
    /// users over the wire (or come from imported files), and an escape sequence printed raw would
    /// act on the operator's terminal (clear it, retitle it, fake lines). Control characters, DEL, C1
    /// and bidi overrides become visible escapes (`^[`, `\u{9B}`), as in the `tandem` client.
    static func printable(_ text: String) -> String {
        PrintableText.line(text)
    }

    /// One JSON document on stdout.
    static func json(_ value: JSONValue) {
        print(value.serialized())
    }

    /// A message for people on stderr (notes and warnings that must not mix with data).
    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func error(_ text: String) {
        note(text.hasPrefix("Error:") ? text : "error: \(text)")
    }

    /// Unix milliseconds as UTC ISO 8601 to the second; "-" for none.
    static func time(_ ms: Int64?) -> String {
        guard let ms else { return "-" }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    static func optional(_ value: Int64?) -> JSONValue { value.map(JSONValue.integer) ?? .null }
    static func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
}
