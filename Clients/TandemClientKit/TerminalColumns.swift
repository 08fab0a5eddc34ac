/// How many terminal columns text takes, as terminals draw it: East Asian wide and emoji
/// characters two, combining marks none, the rest one. The prompt line needs it to put the
/// cursor where the character under it is drawn.
public enum TerminalColumns {
    public static func width(_ text: String) -> Int {
        text.reduce(0) { $0 + width($1) }
    }

    public static func width(_ c: Character) -> Int {
        guard let first = c.unicodeScalars.first else { return 0 }
        let v = first.value
        if v < 0x20 || (0x7F..<0xA0).contains(v) { return 0 }
        switch first.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if first.properties.isEmojiPresentation { return 2 }
        // An emoji asked for in emoji style (U+FE0F), as in ❤️.
        if first.properties.isEmoji && c.unicodeScalars.contains(where: { $0.value == 0xFE0F }) { return 2 }
        return wide.contains { $0.contains(v) } ? 2 : 1
    }

    /// East Asian Wide and Fullwidth blocks (Unicode's EastAsianWidth.txt, in ranges).
    private static let wide: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
        0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19,
        0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF,
        0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]
}

extension LineEditor {
    /// What the prompt line shows of the buffer in `columns` columns: the part of `display` that
    /// holds the cursor (all of it when it fits; otherwise it scrolls sideways so the cursor is at
    /// the right edge), and the cursor's column within that part.
    public func view(columns: Int) -> (text: String, cursorColumn: Int) {
        let shown = text.map(Self.shown)
        let widths = shown.map(TerminalColumns.width)
        let room = max(1, columns)
        var start = 0
        if widths[..<cursor].reduce(0, +) > room {
            start = cursor
            var used = 0
            while start > 0 && used + widths[start - 1] <= room {
                start -= 1
                used += widths[start]
            }
        }
        var end = start, used = 0
        while end < shown.count && used + widths[end] <= room {
            used += widths[end]
            end += 1
        }
        return (String(shown[start..<end]), widths[start..<cursor].reduce(0, +))
    }
}
