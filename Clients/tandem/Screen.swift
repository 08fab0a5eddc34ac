import Foundation
import Synchronization
import TandemClientKit

/// The interactive screen: incoming lines scroll above a prompt line that is never garbled. Every write
/// clears the prompt line (`\r\e[K`), prints, then redraws the prompt and the part of the buffer that
/// fits the terminal's width with the cursor in place, all under one lock, so the reader thread and the
/// input thread never interleave.
final class Screen: Sendable {
    private struct State {
        var editor = LineEditor()
        var prompt: String
    }

    private let state: Mutex<State>
    /// True when stdin and stdout are a terminal: raw mode and prompt redraws. Otherwise plain lines.
    let interactive: Bool

    /// `prompt` is escaped: it names a session, and the id may be one the server chose (picked from
    /// the list, or created from a title).
    init(prompt: String, interactive: Bool) {
        state = Mutex(State(prompt: PrintableText.line(prompt)))
        self.interactive = interactive
    }

    /// Prints one line above the prompt.
    func print(_ line: String) {
        state.withLock { s in
            if interactive {
                Output.write("\r\u{1B}[K" + line + "\n" + Self.promptLine(s), to: 1)
            } else {
                Output.write(line + "\n", to: 1)
            }
        }
    }

    func print(lines: [String]) { for line in lines { print(line) } }

    func setPrompt(_ prompt: String) {
        state.withLock { s in
            s.prompt = PrintableText.line(prompt)
            if interactive { Output.write(Self.promptLine(s), to: 1) }
        }
    }

    /// Pre-fills the input line (the conflict editor starts from your value).
    func setBuffer(_ text: String) {
        state.withLock { s in
            s.editor.set(text)
            if interactive { Output.write(Self.promptLine(s), to: 1) }
        }
    }

    /// Feeds one input byte; redraws the prompt line when the buffer changed.
    func feed(_ byte: UInt8) -> LineEditor.Action {
        state.withLock { s in
            let action = s.editor.feed(byte)
            switch action {
            case .redraw, .interrupt:
                Output.write(Self.promptLine(s), to: 1)
            case .clearScreen:
                Output.write("\u{1B}[H\u{1B}[2J" + Self.promptLine(s), to: 1)
            case .submit(let line):
                // Keep what was typed visible as part of the scrollback, then a fresh prompt.
                Output.write("\r\u{1B}[K" + s.prompt + line + "\n" + s.prompt, to: 1)
            default:
                break
            }
            return action
        }
    }

    /// The prompt line from its start: the prompt, the part of the buffer that fits beside it (one
    /// column spare, so the terminal never wraps), and the cursor moved back over the character
    /// it is on.
    private static func promptLine(_ s: State) -> String {
        let promptWidth = TerminalColumns.width(s.prompt)
        let view = s.editor.view(columns: terminalColumns() - promptWidth - 1)
        let column = promptWidth + view.cursorColumn
        return "\r\u{1B}[K" + s.prompt + view.text + "\r" + (column > 0 ? "\u{1B}[\(column)C" : "")
    }

    /// The terminal's width, asked each time (it changes when the window is resized); 80 when unknown.
    private static func terminalColumns() -> Int { Output.terminalColumns() ?? 80 }

    /// Draws the prompt line again (after the program was resumed from a suspend).
    func redraw() {
        state.withLock { s in
            if interactive { Output.write(Self.promptLine(s), to: 1) }
        }
    }

    /// Redraws the prompt line whenever the terminal is resized (SIGWINCH), so the part of the
    /// buffer shown fits the new width at once rather than at the next key. Cancel the source to stop.
    func redrawOnResize() -> any DispatchSourceSignal {
        signal(SIGWINCH, SIG_IGN) // delivered to the dispatch source instead of the default action
        let source = DispatchSource.makeSignalSource(signal: SIGWINCH, queue: .global())
        source.setEventHandler { [self] in redraw() }
        source.resume()
        return source
    }

    /// Leaves the prompt line clean before exiting.
    func finish() {
        if interactive { Output.write("\r\u{1B}[K", to: 1) }
    }
}

/// Raw mode for the terminal on stdin, restored on `restore`.
final class RawTerminal: Sendable {
    private let saved: Mutex<termios?>

    /// Switches stdin to raw input (no echo, no line editing, Ctrl-C as a byte); output processing stays on
    /// so `\n` still returns the carriage.
    init() {
        var original = termios()
        guard tcgetattr(0, &original) == 0 else {
            saved = Mutex(nil)
            return
        }
        var raw = original
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG | IEXTEN)
        raw.c_iflag &= ~tcflag_t(IXON | ICRNL | INLCR)
        // Safe: c_cc is a fixed C array of NCCS bytes; VMIN and VTIME are indices within it.
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        // TCSANOW, not TCSAFLUSH: what the user typed while the view was opening is kept and
        // runs once the prompt is up (a flush dropped it, and a line typed on `you are ...` was lost).
        tcsetattr(0, TCSANOW, &raw)
        saved = Mutex(original)
        Output.write("\u{1B}[?2004h", to: 1) // bracketed paste: a pasted paragraph arrives marked as one
    }

    func restore() {
        saved.withLock { s in
            guard var original = s else { return }
            Output.write("\u{1B}[?2004l", to: 1)
            tcsetattr(0, TCSAFLUSH, &original)
            s = nil
        }
    }

    /// Ctrl-Z: the shell's settings back, the process stopped as a job (SIGTSTP, as the terminal
    /// would send it outside raw mode), and raw mode again once `fg` continues it.
    func suspend() {
        saved.withLock { s in
            guard var original = s else { return }
            Output.write("\u{1B}[?2004l\r\u{1B}[K", to: 1)
            var raw = termios()
            tcgetattr(0, &raw)
            tcsetattr(0, TCSAFLUSH, &original)
            kill(0, SIGTSTP) // the whole job, as the terminal's own Ctrl-Z does; returns after SIGCONT
            tcsetattr(0, TCSANOW, &raw)
            Output.write("\u{1B}[?2004h", to: 1)
        }
    }
}
