/// The rule a new session's id chosen on the command line must meet (`session.create`'s `session`,
/// `branch.create`'s `branch`, `session.import`'s `as`): checked before connecting, so the refusal
/// names the option the user typed, not the wire field.
public enum NewSessionID {
    /// Why `id`, given as `option`, cannot be a new session's id; nil when it can.
    public static func problem(_ id: String, option: String) -> String? {
        guard !SessionPick.couldBeID(id) else { return nil }
        return "\(option) must be 1-64 characters of A-Z a-z 0-9 _ -, got '\(PrintableText.line(id))'"
    }
}
