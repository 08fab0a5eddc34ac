import Testing
import TandemClientKit

@Suite struct LineEditorTests {
    @discardableResult
    func feed(_ editor: inout LineEditor, _ text: String) -> [LineEditor.Action] {
        text.utf8.map { editor.feed($0) }
    }

    static let left = "\u{1B}[D", right = "\u{1B}[C", up = "\u{1B}[A", down = "\u{1B}[B"

    @Test func typingBackspaceAndEnter() {
        var e = LineEditor()
        feed(&e, "helo")
        #expect(e.feed(0x7F) == .redraw)
        feed(&e, "lo")
        #expect(e.buffer == "hello" && e.cursor == 5)
        #expect(e.feed(0x0D) == .submit("hello"))
        #expect(e.buffer == "" && e.cursor == 0)
        #expect(e.feed(0x7F) == .none)
    }

    @Test func multibyteCharactersArriveWhole() {
        var e = LineEditor()
        // Fed one byte at a time: nothing is drawn until a character is complete.
        #expect(feed(&e, "✓") == [.none, .none, .redraw])
        feed(&e, "héllo")
        #expect(e.buffer == "✓héllo" && e.cursor == 6)
        feed(&e, Self.left + Self.left + Self.left)
        #expect(e.feed(0x7F) == .redraw)
        #expect(e.buffer == "✓hllo" && e.cursor == 2)
        // A combining accent typed after a letter joins it into one character.
        feed(&e, "\u{301}")
        #expect(e.buffer == "✓h\u{301}llo" && e.cursor == 2)
    }

    @Test func theCursorMovesAndTextGoesInAtIt() {
        var e = LineEditor()
        feed(&e, "helo world")
        #expect(e.feed(0x01) == .redraw)                  // Ctrl-A
        #expect(e.cursor == 0)
        #expect(feed(&e, Self.left) == [.none, .none, .none], "nothing left of the start")
        feed(&e, Self.right + Self.right + Self.right + "l")
        #expect(e.buffer == "hello world" && e.cursor == 4)
        feed(&e, "\u{1B}[F")                              // End
        #expect(e.cursor == 11)
        feed(&e, "\u{1B}[1~")                             // Home (vt220)
        #expect(e.cursor == 0)
        feed(&e, "\u{1B}OF")                              // End (keypad mode)
        #expect(e.cursor == 11)
        feed(&e, "\u{1B}[1;5D")                           // Ctrl-Left: to the start of "world"
        #expect(e.cursor == 6)
        feed(&e, "\u{1B}b")                               // Alt-B: to the start of "hello"
        #expect(e.cursor == 0)
        feed(&e, "\u{1B}f")                               // Alt-F: past "hello"
        #expect(e.cursor == 5)
        feed(&e, "\u{1B}[1;3C")                           // Alt-Right: past "world"
        #expect(e.cursor == 11)
        #expect(e.feed(0x02) == .redraw && e.cursor == 10) // Ctrl-B
        #expect(e.feed(0x06) == .redraw && e.cursor == 11) // Ctrl-F
        #expect(e.feed(0x06) == .none)
        // Enter submits the whole line wherever the cursor is.
        feed(&e, Self.left + Self.left)
        #expect(e.feed(0x0D) == .submit("hello world"))
    }

    @Test func deletingAroundTheCursor() {
        var e = LineEditor()
        feed(&e, "one two three")
        feed(&e, "\u{1B}[1;5D")                           // before "three"
        #expect(e.feed(0x17) == .redraw)                  // Ctrl-W: the word before
        #expect(e.buffer == "one three" && e.cursor == 4)
        feed(&e, "\u{1B}[3~")                             // Delete: the character under the cursor
        #expect(e.buffer == "one hree" && e.cursor == 4)
        #expect(e.feed(0x04) == .redraw)                  // Ctrl-D on a non-empty line: the same
        #expect(e.buffer == "one ree")
        #expect(e.feed(0x0B) == .redraw)                  // Ctrl-K: to the end
        #expect(e.buffer == "one " && e.cursor == 4)
        #expect(e.feed(0x0B) == .none)
        #expect(e.feed(0x04) == .none, "Ctrl-D at the end of a non-empty line does nothing")
        feed(&e, "two")
        feed(&e, Self.left + Self.left + Self.left)
        #expect(e.feed(0x15) == .redraw)                  // Ctrl-U: everything before the cursor
        #expect(e.buffer == "two" && e.cursor == 0)
        feed(&e, "\u{1B}[F" + "\u{1B}\u{7F}")            // Alt-Backspace
        #expect(e.buffer == "" && e.cursor == 0)
        #expect(e.feed(0x04) == .endOfInput)
    }

    @Test func upAndDownRecallSubmittedLinesAndKeepTheDraft() {
        var e = LineEditor()
        #expect(feed(&e, Self.up).last == LineEditor.Action.none, "no history yet")
        for line in ["first", "second", "second", ""] {
            feed(&e, line)
            _ = e.feed(0x0D)
        }
        feed(&e, "draft")
        feed(&e, Self.up)
        #expect(e.buffer == "second" && e.cursor == 6, "a line sent twice in a row is one entry")
        feed(&e, Self.up)
        #expect(e.buffer == "first")
        #expect(feed(&e, Self.up).last == LineEditor.Action.none, "nothing older")
        #expect(e.feed(0x0E) == .redraw && e.buffer == "second") // Ctrl-N
        feed(&e, Self.down)
        #expect(e.buffer == "draft" && e.cursor == 5)
        #expect(feed(&e, Self.down).last == LineEditor.Action.none)
        // A recalled line can be edited and sent; it then becomes the newest entry.
        #expect(e.feed(0x10) == .redraw && e.buffer == "second") // Ctrl-P
        feed(&e, "!")
        #expect(e.feed(0x0D) == .submit("second!"))
        feed(&e, Self.up)
        #expect(e.buffer == "second!")
    }

    @Test func aBracketedPasteIsOneTurnWithItsLineBreaks() {
        var e = LineEditor()
        feed(&e, "see: ")
        // What a terminal sends for a pasted paragraph (CR or CRLF line ends) with bracketed paste on.
        feed(&e, "\u{1B}[200~def f():\r\n\treturn 1\rdone\u{3}\u{1B}[201~")
        #expect(!e.pasting)
        #expect(e.buffer == "see: def f():\n\treturn 1\ndone", "a pasted Ctrl-C is no key")
        #expect(e.display == "see: def f():↵⇥return 1↵done")
        #expect(e.feed(0x0D) == .submit("see: def f():\n\treturn 1\ndone"))
        // Pasted in the middle of a line, at the cursor.
        feed(&e, "ad" + Self.left + "\u{1B}[200~b\nc\u{1B}[201~")
        #expect(e.buffer == "ab\ncd" && e.cursor == 4)
    }

    /// A paste is drawn once, when it ends (drawing after each of its bytes made a long paste take
    /// seconds); what it holds joins as typed text does, emoji sequences and accents included.
    @Test func aPasteIsDrawnOnceWhenItEnds() {
        var e = LineEditor()
        feed(&e, "x")
        let body = String(repeating: "word ", count: 4000) + "e\u{301} 👩\u{200D}💻 end"
        let actions = feed(&e, "\u{1B}[200~" + body + "\u{1B}[201~")
        #expect(actions.filter { $0 == .redraw }.count == 1 && actions.last == .redraw)
        #expect(e.buffer == "x" + body && e.cursor == ("x" + body).count)
        // Typed scalar by scalar, a joiner and what follows it still make one character.
        feed(&e, "\u{1B}[200~\u{1B}[201~")
        feed(&e, "👨")
        feed(&e, "\u{200D}")
        feed(&e, "👧")
        #expect(e.buffer.hasSuffix("👨\u{200D}👧") && e.cursor == e.buffer.count)
    }

    @Test func controlKeys() {
        var e = LineEditor()
        #expect(e.feed(0x04) == .endOfInput)
        feed(&e, "one two")
        #expect(e.feed(0x03) == .interrupt(hadText: true))
        #expect(e.buffer == "" && e.cursor == 0)
        #expect(e.feed(0x03) == .interrupt(hadText: false))
        // Unknown sequences and stray control bytes change nothing.
        #expect(feed(&e, "a\u{1B}[99Z\u{1B}[5~\u{7}b") .last == .redraw)
        #expect(e.buffer == "ab")
        // A runaway parameter list stays bounded and the line still works after it.
        feed(&e, "\u{1B}[" + String(repeating: "1", count: 1000) + "~c")
        #expect(e.buffer == "abc")
        // Ctrl-Z asks to suspend and keeps the line for when the view resumes; pasted, it is no key.
        #expect(e.feed(0x1A) == .suspend)
        #expect(e.buffer == "abc" && e.cursor == 3)
        #expect(!feed(&e, "\u{1B}[200~x\u{1A}y\u{1B}[201~").contains(.suspend))
        #expect(e.buffer == "abcxy")
        // Ctrl-L clears the screen and keeps the line; pasted, it is no key either.
        #expect(e.feed(0x0C) == .clearScreen)
        #expect(e.buffer == "abcxy" && e.cursor == 5)
        #expect(!feed(&e, "\u{1B}[200~\u{0C}\u{1B}[201~").contains(.clearScreen))
    }

    @Test func setPutsTheCursorAtTheEnd() {
        var e = LineEditor()
        e.set("{\"a\": 1}")
        #expect(e.cursor == 8)
        feed(&e, Self.left + "2")
        #expect(e.buffer == "{\"a\": 12}")
    }
}

@Suite struct PromptLineViewTests {
    @Test func aShortLineIsShownWholeWithTheCursorInPlace() {
        var e = LineEditor()
        e.set("hello")
        _ = e.feed(0x02)
        #expect(e.view(columns: 40) == ("hello", 4) as (String, Int))
    }

    @Test func aLongLineScrollsSoTheCursorStaysVisible() {
        var e = LineEditor()
        e.set("abcdefghijklmnopqrstuvwxyz")
        let end = e.view(columns: 10)
        #expect(end.text == "qrstuvwxyz" && end.cursorColumn == 10)
        _ = e.feed(0x01)
        let start = e.view(columns: 10)
        #expect(start.text == "abcdefghij" && start.cursorColumn == 0)
        for _ in 0..<12 { _ = e.feed(0x06) }
        let middle = e.view(columns: 10)
        #expect(middle.text == "cdefghijkl" && middle.cursorColumn == 10)
    }

    @Test func wideCharactersTakeTwoColumns() {
        var e = LineEditor()
        e.set("日本語ab")
        #expect(TerminalColumns.width(e.display) == 8)
        let view = e.view(columns: 6)
        #expect(view.text == "本語ab" && view.cursorColumn == 6)
        _ = e.feed(0x01)
        #expect(e.view(columns: 5) == ("日本", 0) as (String, Int), "a wide character that does not fit is left out")
        #expect(TerminalColumns.width("e\u{301}👍🏽❤️x") == 6)
        e.set("a\nb")
        #expect(e.view(columns: 10) == ("a↵b", 3) as (String, Int))
    }
}
