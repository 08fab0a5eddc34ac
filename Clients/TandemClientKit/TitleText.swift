/// Titles the client sends. The server takes any title, `""` included (`session.create`'s default:
/// an untitled session, listed by its id). Typed on purpose, a blank title is a slip: `tandem create ""`
/// made an untitled session without a word, and `/title ""` renamed one to two quote marks. So the
/// client refuses them and says how to leave a title out instead.
public enum TitleText {
    /// Why `title` cannot be sent, or nil when it can: it is blank (spaces only), or only an empty
    /// pair of quotes (`""`, `''`: the view takes its arguments literally, without a shell's quoting).
    public static func problem(_ title: String) -> String? {
        let trimmed = title.trimmingSpaces()
        if trimmed.isEmpty { return "a title needs some text (it is blank)" }
        if trimmed == "\"\"" || trimmed == "''" { return "a title needs some text (\(trimmed) is an empty pair of quotes; the view takes text as typed, without quotes)" }
        return nil
    }
}
