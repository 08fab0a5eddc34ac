/// `/help` laid out for the terminal's width: a description too long for the line wraps at a word,
/// under its own column (the terminal wrapped it mid-word, `N` / `AME`, in a narrow window); below
/// 44 columns each description goes under its command instead.
extension SlashCommand {
    /// The width of the command column in `helpLines` (the descriptions start there).
    static let helpCommandColumn = 22

    /// `/help`'s lines, each indented by two, then the footer; nil `width` (no terminal): unwrapped.
    public static func help(width: Int?) -> [String] {
        guard let width else { return helpLines.map { "  " + $0 } + [helpFooter] }
        var out: [String] = []
        let descriptionColumn = 2 + helpCommandColumn
        for line in helpLines {
            let command = String(line.prefix(helpCommandColumn))
            let description = String(line.dropFirst(helpCommandColumn))
            if TerminalColumns.width(line) + 2 <= width {
                out.append("  " + line)
            } else if width - descriptionColumn >= 20 {
                let wrapped = TextWrap.lines(description, width: width - descriptionColumn)
                out.append("  " + command + wrapped[0])
                out += wrapped.dropFirst().map { String(repeating: " ", count: descriptionColumn) + $0 }
            } else {
                out.append("  " + command.trimmingTrailingSpaces)
                out += TextWrap.lines(description, width: max(1, width - 4)).map { "    " + $0 }
            }
        }
        return out + TextWrap.lines(helpFooter, width: width)
    }
}

/// Word wrapping by terminal columns (wide characters count two).
public enum TextWrap {
    /// `text` in lines of at most `width` columns, broken at spaces; a word wider than a line is cut.
    public static func lines(_ text: String, width: Int) -> [String] {
        let width = max(1, width)
        var lines: [String] = []
        var current = ""
        var used = 0
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            var word = String(word)
            var wordWidth = TerminalColumns.width(word)
            if used > 0 && used + 1 + wordWidth <= width {
                current += " " + word
                used += 1 + wordWidth
                continue
            }
            if used > 0 { lines.append(current) }
            while wordWidth > width {
                var head = "", headWidth = 0
                for c in word {
                    let w = TerminalColumns.width(c)
                    if headWidth + w > width { break }
                    head.append(c)
                    headWidth += w
                }
                lines.append(head)
                word = String(word.dropFirst(head.count))
                wordWidth -= headWidth
            }
            current = word
            used = wordWidth
        }
        if used > 0 || lines.isEmpty { lines.append(current) }
        return lines
    }
}

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        var s = Substring(self)
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
