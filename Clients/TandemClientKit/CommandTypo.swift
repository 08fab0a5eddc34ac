/// `tandem WORD` opens session WORD, so a mistyped subcommand (`tandem sesions`) would try to open a
/// session of that name and answer "not found". A word one or two edits away from a subcommand is
/// taken as the typo it almost surely is.
public enum CommandTypo {
    /// The subcommand `word` is a typo of, when it is one (and is not itself a subcommand). Words of
    /// three letters or fewer are left alone: too many ids are that close to something.
    public static func suggestion(for word: String, among subcommands: Set<String>) -> String? {
        guard word.count > 3, !word.hasPrefix("-"), !subcommands.contains(word) else { return nil }
        let scored = subcommands.map { ($0, distance(word.lowercased(), $0)) }.filter { $0.1 <= 2 }
        return scored.min { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }?.0
    }

    /// The first argument that names what to run (after the leading connection options).
    public static func commandWord(in arguments: [String]) -> String? {
        let index = ArgumentOrder.commandIndex(arguments)
        return index < arguments.count ? arguments[index] : nil
    }

    /// Levenshtein distance (insert, delete, substitute), over characters.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}
