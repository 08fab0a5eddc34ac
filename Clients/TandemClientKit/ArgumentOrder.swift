/// Lets connection flags come before the subcommand (`tandem --url U --token T open s1`), as people type
/// them, by moving the subcommand name to the front; the argument parser expects it first.
public enum ArgumentOrder {
    /// Options that take a value and may precede the subcommand.
    public static let leadingValueOptions: Set<String> = ["--url", "--token"]

    public static func normalize(_ arguments: [String], subcommands: Set<String>) -> [String] {
        var index = 0
        while index < arguments.count {
            let arg = arguments[index]
            if leadingValueOptions.contains(arg) {
                index += 2
            } else if leadingValueOptions.contains(where: { arg.hasPrefix($0 + "=") }) {
                index += 1
            } else {
                break
            }
        }
        guard index > 0, index < arguments.count, subcommands.contains(arguments[index]) else { return arguments }
        var reordered = arguments
        let name = reordered.remove(at: index)
        reordered.insert(name, at: 0)
        return reordered
    }
}
