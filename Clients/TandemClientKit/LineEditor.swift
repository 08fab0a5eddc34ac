/// The input line of the interactive prompt, fed one raw-mode byte at a time. No I/O: the terminal layer
/// reads bytes, feeds them here, and redraws `prompt + buffer` when told.
public struct LineEditor: Sendable, Equatable {
    /// What the terminal should do after a byte.
    public enum Action: Sendable, Equatable {
        /// Nothing visible changed (an incomplete UTF-8 sequence or escape sequence).
        case none
        /// The buffer changed: redraw the prompt line.
        case redraw
        /// Enter: run this line (the buffer is now empty).
        case submit(String)
        /// Ctrl-C: the buffer was dropped (when it held text) or the user wants out (when it was empty).
        case interrupt(hadText: Bool)
        /// Ctrl-D on an empty line: leave.
        case endOfInput
    }

    public private(set) var buffer: String = ""
    private var pending: [UInt8] = []
    private var escape: EscapeState = .none
    /// Inside a bracketed paste (`ESC [200~` … `ESC [201~`, which the terminal layer turns on):
    /// line breaks and tabs are text, so a pasted paragraph is one turn, not one per line.
    public private(set) var pasting = false
    /// The previous pasted byte was CR: a LF right after it ends the same line.
    private var pastedCR = false

    private enum EscapeState: Sendable, Equatable {
        case none, started
        /// A control sequence and its parameter bytes so far.
        case csi([UInt8])
    }

    /// The buffer as the prompt line shows it: a line break as `↵` (the prompt is one line).
    public var display: String { buffer.replacing("\n", with: "↵") }

    public init() {}

    /// Replaces the buffer (after a conflict prompt offers an edit, for instance).
    public mutating func set(_ text: String) {
        buffer = text
        pending = []
    }

    public mutating func feed(_ byte: UInt8) -> Action {
        switch escape {
        case .started:
            escape = byte == UInt8(ascii: "[") || byte == UInt8(ascii: "O") ? .csi([]) : .none
            return .none
        case .csi(let parameters):
            // Arrow keys and the like end with a byte in 0x40...0x7E; the line has no cursor movement.
            guard (0x40...0x7E).contains(byte) else {
                escape = .csi(parameters.count < 16 ? parameters + [byte] : parameters)
                return .none
            }
            escape = .none
            if byte == UInt8(ascii: "~") {
                if parameters == Array("200".utf8) { pasting = true }
                if parameters == Array("201".utf8) { pasting = false }
            }
            return .none
        case .none:
            break
        }
        if pasting {
            defer { pastedCR = byte == 0x0D }
            switch byte {
            case 0x0A where pastedCR:
                return .none
            case 0x0D, 0x0A:
                buffer.append("\n")
                return .redraw
            case 0x09:
                buffer.append("\t")
                return .redraw
            default:
                break
            }
        }
        switch byte {
        case 0x1B:
            escape = .started
            return .none
        case 0x0D, 0x0A:
            let line = buffer
            buffer = ""
            pending = []
            return .submit(line)
        case 0x03:
            let had = !buffer.isEmpty
            buffer = ""
            pending = []
            return .interrupt(hadText: had)
        case 0x04:
            return buffer.isEmpty ? .endOfInput : .none
        case 0x7F, 0x08:
            pending = []
            guard !buffer.isEmpty else { return .none }
            buffer.removeLast()
            return .redraw
        case 0x15:  // Ctrl-U: kill the line.
            buffer = ""
            return .redraw
        case 0x17:  // Ctrl-W: delete the last word.
            while buffer.last == " " { buffer.removeLast() }
            while let last = buffer.last, last != " " { buffer.removeLast() }
            return .redraw
        case 0x09:
            buffer.append(" ")
            return .redraw
        case 0x00..<0x20:
            return .none
        default:
            pending.append(byte)
            guard let expected = Self.sequenceLength(pending[0]) else {
                pending = []
                return .none
            }
            guard pending.count >= expected else { return .none }
            let text = String(decoding: pending, as: UTF8.self)
            pending = []
            buffer += text
            return .redraw
        }
    }

    /// Bytes in a UTF-8 sequence starting with `lead`; nil for a continuation byte out of place.
    static func sequenceLength(_ lead: UInt8) -> Int? {
        switch lead {
        case 0x00..<0x80: 1
        case 0xC0..<0xE0: 2
        case 0xE0..<0xF0: 3
        case 0xF0..<0xF8: 4
        default: nil
        }
    }
}
