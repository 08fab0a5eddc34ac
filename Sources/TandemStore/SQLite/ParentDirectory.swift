/// The directory a file path names its file in, for messages about it ("may not create files in
/// DIR"). Not Foundation's `deletingLastPathComponent`, which traps on a path of one character in
/// this toolchain's Foundation: `tandemd --db .` (or `--db a` in a directory it could not use)
/// crashed where it was to say why it cannot open the database.
public enum ParentDirectory {
    /// "." for a bare name, "/" for a name at the root; trailing slashes are not a component.
    public static func of(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        let head = trimmed[..<slash]
        return head.isEmpty ? "/" : String(head)
    }
}
