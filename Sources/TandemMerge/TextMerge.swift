/// Line-wise three-way merge of text (diff3), exact to the byte: line endings ("\n", "\r\n"),
/// a missing final newline and any Unicode spelling come back as they went in.
public enum TextMerge {
    /// Merges the line changes of `current` and `proposed`, both derived from `base`.
    ///
    /// Regions changed on one side only take that side; regions changed identically on both are
    /// kept; regions changed differently on both (including edits on adjacent lines, as diff3
    /// cannot order them) are conflicts, all reported in text order. The exact rules, which line
    /// diff is used where lines repeat included: docs/store.md, "Text merges, line by line".
    public static func merge3(base: String, current: String, proposed: String) -> TextMergeOutcome {
        var unbounded = Int.max
        // An unbounded budget is never spent, so there is always an answer.
        return merge3(base: base, current: current, proposed: proposed, budget: &unbounded)!
    }

    /// `merge3` with its line diffs within `budget` search steps (`LineDiff`), which it spends:
    /// `nil` when they need more (the texts are long and differ throughout).
    static func merge3(base: String, current: String, proposed: String, budget: inout Int) -> TextMergeOutcome? {
        // Whole-text shortcuts; the chunk walk gives the same answers, only slower.
        if current.utf8.elementsEqual(proposed.utf8) || proposed.utf8.elementsEqual(base.utf8) {
            return .merged(current)
        }
        if current.utf8.elementsEqual(base.utf8) { return .merged(proposed) }
        return mergeLines(base: base, current: current, proposed: proposed, budget: &budget)
    }

    /// The side a resolution takes where the two conflict.
    public enum Side: Sendable, Equatable {
        case current, proposed
    }

    /// `merge3`'s merge with `side`'s lines in each region that conflicts: what a person settling a
    /// text conflict for one side means, since the other side's changes elsewhere in the text still
    /// merge (taking one side's whole text would undo them). Within `budget` line diff steps, which
    /// it spends: nil when they need more.
    public static func resolve(base: String, current: String, proposed: String, taking side: Side,
                               budget: inout Int) -> String? {
        if current.utf8.elementsEqual(proposed.utf8) || proposed.utf8.elementsEqual(base.utf8) { return current }
        if current.utf8.elementsEqual(base.utf8) { return proposed }
        guard case .merged(let text)? = mergeLines(base: base, current: current, proposed: proposed,
                                                   budget: &budget, taking: side) else { return nil }
        return text
    }

    /// The chunk walk itself, without shortcuts (tests check its properties directly).
    static func mergeLines(base: String, current: String, proposed: String) -> TextMergeOutcome {
        var unbounded = Int.max
        return mergeLines(base: base, current: current, proposed: proposed, budget: &unbounded)!
    }

    /// With `taking` a side, a conflicting region takes that side's lines and the answer is always
    /// `.merged`; without, the regions are the answer.
    static func mergeLines(base: String, current: String, proposed: String, budget: inout Int,
                           taking side: Side? = nil) -> TextMergeOutcome? {
        let texts = (base: LineText(base), current: LineText(current), proposed: LineText(proposed))
        var interner = LineInterner()
        let o = interner.ids(of: texts.base)
        // Most edits leave a long text's start and end alone: those lines reuse base's ids.
        let a = interner.ids(of: texts.current, derivedFrom: texts.base, baseIDs: o)
        let b = interner.ids(of: texts.proposed, derivedFrom: texts.base, baseIDs: o)
        guard let chunks = Diff3.chunks(base: o, current: a, proposed: b, budget: &budget) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(max(texts.current.bytes.count, texts.proposed.bytes.count))
        var hunks: [TextConflictHunk] = []
        for chunk in chunks {
            if chunk.stable {
                texts.base.append(lines: chunk.base, to: &out)
                continue
            }
            let baseLines = o[chunk.base], currentLines = a[chunk.current], proposedLines = b[chunk.proposed]
            if currentLines.elementsEqual(baseLines) {
                texts.proposed.append(lines: chunk.proposed, to: &out)
            } else if proposedLines.elementsEqual(baseLines) || currentLines.elementsEqual(proposedLines) {
                texts.current.append(lines: chunk.current, to: &out)
            } else if let side {
                switch side {
                case .current: texts.current.append(lines: chunk.current, to: &out)
                case .proposed: texts.proposed.append(lines: chunk.proposed, to: &out)
                }
            } else {
                hunks.append(TextConflictHunk(
                    baseLines: chunk.base, currentLines: chunk.current, proposedLines: chunk.proposed,
                    base: texts.base.text(lines: chunk.base),
                    current: texts.current.text(lines: chunk.current),
                    proposed: texts.proposed.text(lines: chunk.proposed)))
            }
        }
        if !hunks.isEmpty { return .conflict(hunks) }
        // Joined at "\n" boundaries of valid UTF-8 texts: still valid UTF-8.
        return .merged(String(decoding: out, as: UTF8.self))
    }
}

/// The answer of `TextMerge.merge3`.
public enum TextMergeOutcome: Sendable, Equatable {
    /// The merged text.
    case merged(String)
    /// The regions both sides changed differently, in text order; never empty.
    case conflict([TextConflictHunk])
}

/// A region of text that current and proposed changed in different ways.
public struct TextConflictHunk: Sendable, Equatable {
    /// Zero-based line ranges of the region in each text (lines keep their terminators).
    public var baseLines: Range<Int>
    public var currentLines: Range<Int>
    public var proposedLines: Range<Int>
    /// The exact text of the region in each; empty when that side has no lines there.
    public var base: String
    public var current: String
    public var proposed: String

    public init(baseLines: Range<Int>, currentLines: Range<Int>, proposedLines: Range<Int>,
                base: String, current: String, proposed: String) {
        self.baseLines = baseLines
        self.currentLines = currentLines
        self.proposedLines = proposedLines
        self.base = base
        self.current = current
        self.proposed = proposed
    }
}
