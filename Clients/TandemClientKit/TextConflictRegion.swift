import TandemJSON

/// The part of a text conflict a person needs to see. A conflict on a text carries the three whole
/// texts; a document of a hundred lines where both changed one showed as three hundred-line strings on
/// one line each. The lines every side has alike at the start and at the end are left out.
public struct TextConflictRegion: Sendable, Equatable {
    /// Lines left out before the region (the region starts at line `before + 1`), and after it.
    public var before: Int
    public var after: Int
    /// Each side's lines in the region (nil where the side has no value).
    public var base: JSONValue?
    public var current: JSONValue?
    public var proposed: JSONValue?

    /// The region of a conflict whose sides are texts (a missing side aside) sharing a first or last
    /// line; nil otherwise (then the whole values are shown).
    public init?(base: JSONValue?, current: JSONValue?, proposed: JSONValue?) {
        var texts: [[Substring]?] = []
        for side in [base, current, proposed] {
            guard let side else { texts.append(nil); continue }
            guard case .string(let text) = side else { return nil }
            texts.append(Self.lines(text))
        }
        let present = texts.compactMap { $0 }
        guard present.count >= 2, let shortest = present.map(\.count).min() else { return nil }
        // Lines compare byte for byte, as the merge compares them.
        func alike(_ pick: ([Substring]) -> Substring) -> Bool {
            let first = pick(present[0])
            return present.dropFirst().allSatisfy { pick($0).utf8.elementsEqual(first.utf8) }
        }
        var before = 0
        while before < shortest, alike({ $0[before] }) { before += 1 }
        var after = 0
        while before + after < shortest, alike({ $0[$0.count - 1 - after] }) { after += 1 }
        guard before + after > 0 else { return nil }
        func region(_ lines: [Substring]?) -> JSONValue? {
            lines.map { .string($0[before..<($0.count - after)].joined()) }
        }
        self.before = before
        self.after = after
        self.base = region(texts[0])
        self.current = region(texts[1])
        self.proposed = region(texts[2])
    }

    /// A text cut after every `\n`, each line keeping its terminator (the merge's lines).
    static func lines(_ text: String) -> [Substring] {
        var lines: [Substring] = []
        var start = text.startIndex
        for index in text.utf8.indices where text.utf8[index] == UInt8(ascii: "\n") {
            let end = text.utf8.index(after: index)
            lines.append(text[start..<end])
            start = end
        }
        if start < text.endIndex { lines.append(text[start...]) }
        return lines
    }
}
