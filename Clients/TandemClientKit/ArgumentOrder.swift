/// Lets connection flags come before the subcommand (`tandem --url U --token T open s1`), as people type
/// them, by moving the subcommand name to the front; the argument parser expects it first.
public enum ArgumentOrder {
    /// Options that take a value and may precede the subcommand.
    public static let leadingValueOptions: Set<String> = ["--url", "--token"]

    /// `nested` names each subcommand's own subcommands (`template` → `save`): those move with it,
    /// since the parser also wants `template save` together before any option.
    public static func normalize(_ arguments: [String], subcommands: Set<String>, nested: [String: Set<String>] = [:]) -> [String] {
        let index = commandIndex(arguments)
        guard index > 0, index < arguments.count, subcommands.contains(arguments[index]) else { return arguments }
        var names = [arguments[index]]
        if index + 1 < arguments.count, nested[arguments[index]]?.contains(arguments[index + 1]) == true {
            names.append(arguments[index + 1])
        }
        var reordered = arguments
        reordered.removeSubrange(index..<(index + names.count))
        reordered.insert(contentsOf: names, at: 0)
        return reordered
    }

    /// Where the word naming what to run stands: past the leading connection options (`count` when
    /// there is none).
    public static func commandIndex(_ arguments: [String]) -> Int {
        var index = 0
        while index < arguments.count {
            let arg = arguments[index]
            if leadingValueOptions.contains(arg) {
                index += 2
            } else if leadingValueOptions.contains(where: { arg.hasPrefix($0 + "=") }) {
                index += 1
            } else {
                return index
            }
        }
        return arguments.count
    }
}
