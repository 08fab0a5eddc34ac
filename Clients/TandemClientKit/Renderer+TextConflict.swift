import TandemJSON
import TandemProtocol

/// A text conflict as git shows one: each region that conflicted between `<<<<<<<`, `|||||||`,
/// `=======` and `>>>>>>>` markers (theirs, base, yours), with a few lines of theirs around it,
/// instead of three whole texts. The regions are the server's `lines` (docs/protocol.md, MergeConflict).
extension Renderer {
    /// Lines of theirs (the text as it stands now) shown before and after each region.
    public static let textConflictContext = 2

    /// The blocks of a conflict that carries `lines`, or nil when it carries none or they do not fit
    /// its texts (a server before them, or a broken one: the caller then shows the values).
    func textConflict(path: String, _ c: MergeConflictDTO) -> [String]? {
        guard let regions = c.lines, case .string(let baseText)? = c.base, case .string(let currentText)? = c.current,
              case .string(let proposedText)? = c.proposed else { return nil }
        let base = TextConflictRegion.lines(baseText), current = TextConflictRegion.lines(currentText)
        let proposed = TextConflictRegion.lines(proposedText)
        // Each range inside its text, regions in order on every side: a hostile server's numbers
        // must neither trap nor print lines twice.
        var ends = (0, 0, 0)
        for r in regions {
            guard r.base.lowerBound >= ends.0, r.base.upperBound <= base.count,
                  r.current.lowerBound >= ends.1, r.current.upperBound <= current.count,
                  r.proposed.lowerBound >= ends.2, r.proposed.upperBound <= proposed.count else { return nil }
            ends = (r.base.upperBound, r.current.upperBound, r.proposed.upperBound)
        }
        let count = regions.count == 1 ? "1 region" : "\(regions.count) regions"
        var out = ["  path \(path), \(count) in conflict" + (c.linesMore ? " (and more the server did not list)" : "") + ":"]
        var shown = 0  // lines of theirs printed so far
        for (i, r) in regions.enumerated() {
            out.append(paint("    @@ base \(Self.lineNumbers(r.base)), theirs \(Self.lineNumbers(r.current)), yours \(Self.lineNumbers(r.proposed)) @@", .dim))
            let from = max(shown, r.current.lowerBound - Self.textConflictContext)
            out += current[from..<r.current.lowerBound].map { paint("    " + Self.text($0), .dim) }
            out.append(paint("    <<<<<<< theirs (current)", .cyan))
            out += current[r.current].map { paint("    " + Self.text($0), .cyan) }
            out.append("    ||||||| base")
            out += base[r.base].map { "    " + Self.text($0) }
            out.append("    =======")
            out += proposed[r.proposed].map { paint("    " + Self.text($0), .green) }
            out.append(paint("    >>>>>>> yours", .green))
            let next = i + 1 < regions.count ? regions[i + 1].current.lowerBound : current.count
            shown = min(next, r.current.upperBound + Self.textConflictContext)
            out += current[r.current.upperBound..<shown].map { paint("    " + Self.text($0), .dim) }
        }
        return out
    }

    /// "line 3", "lines 3-4" (counted from 1), or where a side has none: "none (before line 3)".
    static func lineNumbers(_ range: Range<Int>) -> String {
        switch range.count {
        case 0: "none (before line \(range.lowerBound + 1))"
        case 1: "line \(range.lowerBound + 1)"
        default: "lines \(range.lowerBound + 1)-\(range.upperBound)"
        }
    }

    /// One line of a text for the terminal: its `\n` dropped, anything else that would move the
    /// cursor shown (`\r` as `^M`), and a last line without a newline marked, since a conflict can
    /// be about that newline alone.
    static func text(_ line: Substring) -> String {
        guard line.utf8.last == UInt8(ascii: "\n") else { return PrintableText.line(String(line)) + " (no newline at end)" }
        // By bytes: "\r\n" is one Character, and dropping it would hide the "\r".
        return PrintableText.line(String(decoding: line.utf8.dropLast(), as: UTF8.self))
    }
}
