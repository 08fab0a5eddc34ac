/// The input line of the interactive prompt, fed one raw-mode byte at a time. No I/O: the terminal layer
/// reads bytes, feeds them here, and redraws the prompt line from `view(columns:)` when told.
///
/// Keys (as readline and most shells have them): Left/Right and Ctrl-B/Ctrl-F move a character,
/// Ctrl- or Alt-Left/Right and Alt-B/Alt-F a word; Home/End and Ctrl-A/Ctrl-E go to either end;
/// Backspace and Delete (or Ctrl-D) remove a character, Ctrl-W and Alt-Backspace the word before
/// the cursor, Ctrl-U everything before it, Ctrl-K everything after it; Up/Down and Ctrl-P/Ctrl-N
/// step through the lines submitted before; Ctrl-Z suspends (raw mode reads it as a byte).
public struct LineEditor: Sendable, Equatable {
    /// What the terminal should do after a byte.
    public enum Action: Sendable, Equatable {
        /// Nothing visible changed (an incomplete UTF-8 sequence or escape sequence, a key with nothing to do).
        case none
        /// The line or the cursor changed: redraw the prompt line.
        case redraw
        /// Enter: run this line (the buffer is now empty).
        case submit(String)
        /// Ctrl-C: the buffer was dropped (when it held text) or the user wants out (when it was empty).
        case interrupt(hadText: Bool)
        /// Ctrl-D on an empty line: leave.
        case endOfInput
        /// Ctrl-Z: suspend the program as a shell's job (the buffer is kept for when it resumes).
        case suspend
        /// Ctrl-L: clear the screen and draw the prompt line at the top, as shells do (the buffer is kept).
        case clearScreen
    }

    /// How many submitted lines Up/Down can reach.
    public static let historyLimit = 200

    private(set) var text: [Character] = []
    /// The cursor, as a number of characters before it (0...text.count).
    public private(set) var cursor = 0
    private var pending: [UInt8] = []
    private var escape: EscapeState = .none
    /// Inside a bracketed paste (`ESC [200~` … `ESC [201~`, which the terminal layer turns on):
    /// line breaks and tabs are text, so a pasted paragraph is one turn, not one per line.
    public private(set) var pasting = false
    /// The previous pasted byte was CR: a LF right after it ends the same line.
    private var pastedCR = false
    /// Submitted lines, oldest first.
    private var history: [String] = []
    /// While stepping through `history`: the entry shown and the unsubmitted line it replaced.
    private var recall: Recall?

    private struct Recall: Sendable, Equatable {
        var index: Int
        var draft: [Character]
    }

    private enum EscapeState: Sendable, Equatable {
        case none, started
        /// `ESC O`: one final byte follows (keypad-mode arrows, Home, End).
        case ss3
        /// A control sequence and its parameter bytes so far.
        case csi([UInt8])
    }

    public init() {}

    /// The line being edited.
    public var buffer: String { String(text) }

    /// The buffer as the prompt line shows it: a line break as `↵` and a tab as `⇥` (the prompt is
    /// one line, and each character takes the columns `TerminalColumns` says).
    public var display: String { String(text.map(Self.shown)) }

    /// Replaces the buffer, the cursor at its end (after a conflict prompt offers an edit, for instance).
    public mutating func set(_ text: String) {
        self.text = Array(text)
        cursor = self.text.count
        pending = []
        recall = nil
    }

    public mutating func feed(_ byte: UInt8) -> Action {
        let action = apply(byte)
        // A paste arrives as thousands of bytes: the line is drawn once, when it ends, not after
        // every byte (which made a pasted paragraph take seconds, growing with its square).
        if pasting, action == .redraw { return .none }
        return action
    }

    private mutating func apply(_ byte: UInt8) -> Action {
        switch escape {
        case .started:
            escape = .none
            switch byte {
            case UInt8(ascii: "["): escape = .csi([])
            case UInt8(ascii: "O"): escape = .ss3
            case UInt8(ascii: "b"): return move(to: wordStart(before: cursor))
            case UInt8(ascii: "f"): return move(to: wordEnd(after: cursor))
            case 0x7F, 0x08: return delete(wordStart(before: cursor)..<cursor)
            default: break
            }
            return .none
        case .ss3:
            escape = .none
            return key(byte, parameters: [])
        case .csi(let parameters):
            // A sequence ends with a byte in 0x40...0x7E; parameters are bounded so a stray ESC [ cannot grow forever.
            guard (0x40...0x7E).contains(byte) else {
                escape = .csi(parameters.count < 16 ? parameters + [byte] : parameters)
                return .none
            }
            escape = .none
            return key(byte, parameters: parameters)
        case .none:
            break
        }
        if pasting {
            defer { pastedCR = byte == 0x0D }
            switch byte {
            case 0x0A where pastedCR: return .none
            case 0x0D, 0x0A: return insert("\n")
            case 0x09: return insert("\t")
            case 0x1B: escape = .started; return .none
            case 0x00..<0x20, 0x7F: return .none  // pasted control characters are not keys
            default: break
            }
        }
        switch byte {
        case 0x1B:
            escape = .started
            return .none
        case 0x0D, 0x0A:
            let line = buffer
            if !line.isEmpty && history.last != line {
                history.append(line)
                if history.count > Self.historyLimit { history.removeFirst() }
            }
            text = []
            cursor = 0
            pending = []
            recall = nil
            return .submit(line)
        case 0x03:
            let had = !text.isEmpty
            text = []
            cursor = 0
            pending = []
            recall = nil
            return .interrupt(hadText: had)
        case 0x04:
            return text.isEmpty ? .endOfInput : delete(cursor..<min(cursor + 1, text.count))
        case 0x01: return move(to: 0)
        case 0x05: return move(to: text.count)
        case 0x02: return move(to: cursor - 1)
        case 0x06: return move(to: cursor + 1)
        case 0x10: return recallOlder()
        case 0x0E: return recallNewer()
        case 0x7F, 0x08:
            pending = []
            return delete(max(0, cursor - 1)..<cursor)
        case 0x0B: return delete(cursor..<text.count)
        case 0x15: return delete(0..<cursor)
        case 0x17: return delete(wordStart(before: cursor)..<cursor)
        case 0x09: return insert(" ")
        case 0x1A: return .suspend
        case 0x0C: return .clearScreen
        case 0x00..<0x20:
            return .none
        default:
            pending.append(byte)
            guard let expected = Self.sequenceLength(pending[0]) else {
                pending = []
                return .none
            }
            guard pending.count >= expected else { return .none }
            let typed = String(decoding: pending, as: UTF8.self)
            pending = []
            return insert(typed)
        }
    }

    /// A control sequence's final byte with its parameters (`ESC [ 1 ; 5 C` is Ctrl-Right).
    private mutating func key(_ final: UInt8, parameters: [UInt8]) -> Action {
        // The modifier parameter after ';': 3 Alt, 5 Ctrl, 7 both move by words (2, Shift, does not).
        let modifier = parameters.split(separator: UInt8(ascii: ";")).dropFirst().first.map { String(decoding: $0, as: UTF8.self) }
        let wordwise = ["3", "5", "7"].contains(modifier)
        switch final {
        case UInt8(ascii: "A"): return recallOlder()
        case UInt8(ascii: "B"): return recallNewer()
        case UInt8(ascii: "C"): return move(to: wordwise ? wordEnd(after: cursor) : cursor + 1)
        case UInt8(ascii: "D"): return move(to: wordwise ? wordStart(before: cursor) : cursor - 1)
        case UInt8(ascii: "H"): return move(to: 0)
        case UInt8(ascii: "F"): return move(to: text.count)
        case UInt8(ascii: "~"):
            switch String(decoding: parameters, as: UTF8.self) {
            case "1", "7": return move(to: 0)
            case "4", "8": return move(to: text.count)
            case "3": return delete(cursor..<min(cursor + 1, text.count))
            case "200": pasting = true
            case "201":
                pasting = false
                return .redraw
            default: break
            }
            return .none
        default:
            return .none
        }
    }

    private mutating func insert(_ typed: String) -> Action {
        let characters = Array(typed)
        let start = cursor
        text.insert(contentsOf: characters, at: start)
        let end = start + characters.count
        cursor = end
        // A combining mark typed after a letter joins it (and a joiner joins what follows it):
        // count the characters around the insertion again rather than trust the sum. Only there,
        // so that typing stays constant work however long the line is.
        let low = max(0, start - 1), high = min(text.count, end + 1)
        let joined = Array(String(text[low..<high]))
        if joined.count != high - low {
            let beforeCursor = String(text[low..<end]).count
            text.replaceSubrange(low..<high, with: joined)
            cursor = low + beforeCursor
        }
        return .redraw
    }

    private mutating func delete(_ range: Range<Int>) -> Action {
        guard !range.isEmpty else { return .none }
        text.removeSubrange(range)
        cursor = range.lowerBound
        return .redraw
    }

    private mutating func move(to position: Int) -> Action {
        let target = min(max(0, position), text.count)
        guard target != cursor else { return .none }
        cursor = target
        return .redraw
    }

    private mutating func recallOlder() -> Action {
        let index = (recall?.index ?? history.count) - 1
        guard index >= 0 else { return .none }
        if recall == nil { recall = Recall(index: index, draft: text) }
        recall?.index = index
        text = Array(history[index])
        cursor = text.count
        return .redraw
    }

    private mutating func recallNewer() -> Action {
        guard let current = recall else { return .none }
        if current.index + 1 < history.count {
            recall?.index = current.index + 1
            text = Array(history[current.index + 1])
        } else {
            text = current.draft
            recall = nil
        }
        cursor = text.count
        return .redraw
    }

    /// Where the word before `position` starts (spaces before it skipped), as Ctrl-W and Alt-B see it.
    private func wordStart(before position: Int) -> Int {
        var i = position
        while i > 0 && text[i - 1].isWhitespace { i -= 1 }
        while i > 0 && !text[i - 1].isWhitespace { i -= 1 }
        return i
    }

    /// Where the word after `position` ends, as Alt-F sees it.
    private func wordEnd(after position: Int) -> Int {
        var i = position
        while i < text.count && text[i].isWhitespace { i += 1 }
        while i < text.count && !text[i].isWhitespace { i += 1 }
        return i
    }

    static func shown(_ c: Character) -> Character {
        switch c {
        case "\n", "\r\n": "↵"
        case "\t": "⇥"
        default: c
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
