import Testing
import TandemJSON
@testable import TandemClientKit

/// `PrintableText`'s forms for the server's text: one line, a JSON line, and the notices and errors
/// that quote it.
@Suite struct PrintableTextTests {
    @Test func lineAndParagraphSeparatorsAreEscapedLikeLineBreaks() {
        // A line break to some terminals and pagers: a server's text could start a line of its own.
        #expect(PrintableText.line("a\u{2028}b\u{2029}c") == "a\\u{2028}b\\u{2029}c")
        #expect(PrintableText.block("a\u{2028}b\nc", continuation: "| ") == "a\\u{2028}b\n| c")
    }

    @Test func aJSONTextStaysTheSameJSONOnOneLineWithNothingATerminalObeys() throws {
        let value = JSONValue.object(["m": .string("x\u{1B}[2J\u{7F}\u{9B}31m\u{202E}y\u{2066}\u{2028}z\u{2029}\n\t\\\u{85}"),
                                      "k\u{202E}": .array([.integer(1), .string("é 東京")])])
        let line = PrintableText.json(text: value.serialized())
        #expect(!line.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || [0x202E, 0x2066, 0x2028, 0x2029].contains($0.value) })
        #expect(try JSONValue(parsing: line) == value)
        #expect(line.contains(#"\u009B31m\u202Ey\u2066\u2028z\u2029"#))
        #expect(line.contains("é 東京"))
        // A frame as a server sent it, on several lines: whitespace between tokens becomes a space.
        let frame = "{\n\t\"a\": \"b\u{85}\",\r\n \"c\": [1,\n2]\n}"
        let framed = PrintableText.json(text: frame)
        #expect(framed == #"{  "a": "b\u0085",   "c": [1, 2] }"#)
        #expect(try JSONValue(parsing: framed) == JSONValue(parsing: frame))
        #expect(PrintableText.json(text: #"{"a":"plain"}"#) == #"{"a":"plain"}"#)
    }

    @Test func noticesAndErrorsEscapeWhatTheyQuote() {
        let r = Renderer(color: false, utcOffsetSeconds: 0)
        #expect(r.error("forbidden: no\u{1B}]0;x\u{07}\n\u{9B}") == "! forbidden: no^[]0;x^G^J\\u{9B}")
        #expect(r.notice("deleted by m\u{202E}al") == "* deleted by m\\u{202E}al")
        // Quoting text already escaped changes nothing (it holds no control left to escape).
        #expect(r.error(PrintableText.line("a\u{1B}b")) == "! a^[b")
        let coloured = Renderer(color: true, utcOffsetSeconds: 0).error("x\u{1B}[8m")
        #expect(coloured.contains("x^[[8m") && coloured.hasPrefix("\u{1B}["))
    }
}
