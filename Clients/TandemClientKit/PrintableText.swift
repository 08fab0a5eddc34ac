import TandemJSON

/// Text from the wire made safe for a terminal. Turn content, comments, titles and names are
/// written by other people: printed raw, an escape sequence in them could clear the reader's
/// screen, recolour it, retitle the window or move the cursor to fake lines. Control characters
/// (C0 but tab and newline, DEL, C1), the bidirectional embeddings, overrides and isolates, and
/// the Unicode line and paragraph separators (U+2028, U+2029: a line break to some terminals and
/// viewers) show as visible escapes.
public enum PrintableText {
    /// `text` on one line: newlines escaped too (`\n`).
    public static func line(_ text: String) -> String {
        escaped(text, keepNewlines: false)
    }

    /// A JSON value (a state row, a conflict side) on one line. The serializer escapes C0 controls
    /// but writes DEL, C1 (U+009B is a CSI to many terminals) and the bidi overrides as they are:
    /// a row value is another member's text like any other.
    public static func json(_ value: JSONValue) -> String {
        line(value.serialized())
    }

    /// `text` with its line breaks kept; every line after the first starts with `continuation`,
    /// so a line of content can never pass for a line of the client's own (a turn header).
    public static func block(_ text: String, continuation: String) -> String {
        escaped(text, keepNewlines: true).replacing("\n", with: "\n" + continuation)
    }

    /// A JSON text (a value as serialized, or a frame as the server sent it) on one line, the same
    /// JSON: what `needsEscape` covers can only stand inside a string there (the parser refuses raw
    /// C0 controls in strings, and JSON allows nothing else between tokens but tab, CR, LF and
    /// space), so it becomes a `\uXXXX` escape, and tab, CR and LF (whitespace between tokens) a space.
    public static func json(text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09, 0x0A, 0x0D:
                out.append(" ")
            case _ where needsEscape(scalar):
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).unicodeScalars)
            default:
                out.append(scalar)
            }
        }
        return String(out)
    }

    private static func escaped(_ text: String, keepNewlines: Bool) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        var pending = scalars.next()
        while let scalar = pending {
            pending = scalars.next()
            if scalar == "\r", pending == "\n", keepNewlines { continue } // CRLF is a line break
            if scalar == "\n" && keepNewlines || !needsEscape(scalar) {
                out.append(scalar)
            } else {
                out.append(contentsOf: visible(scalar).unicodeScalars)
            }
        }
        return String(out)
    }

    private static func needsEscape(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09: false
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x202A...0x202E, 0x2066...0x2069: true // bidi embeddings, overrides, isolates
        case 0x2028, 0x2029: true // line and paragraph separators
        default: false
        }
    }

    /// `^[` for C0 and DEL (what a terminal user knows them as), `\u{…}` for the rest.
    private static func visible(_ s: Unicode.Scalar) -> String {
        switch s.value {
        case 0x00...0x1F: "^" + String(Unicode.Scalar(UInt8(s.value + 0x40)))
        case 0x7F: "^?"
        default: "\\u{" + String(s.value, radix: 16, uppercase: true) + "}"
        }
    }
}
