import TandemProtocol

/// What a line typed at the session picker (`tandem` without a session) asks for. The picker lists
/// the sessions with a number and their id; a newcomer types either, so a listed id opens that
/// session (it once made a new session titled with the id, while the one meant stayed unopened).
public enum SessionPick: Sendable, Equatable {
    /// Open the listed session with this id.
    case open(String)
    /// Make a new session with this title.
    case create(title: String)
    /// A number that is on no line of the list (1-based, as typed).
    case noSuchNumber(Int)
    /// A blank line: ask again.
    case nothing

    /// Reads `line` against the listed session ids, in their listed order.
    public static func choose(_ line: String, listed ids: [String]) -> SessionPick {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = line.firstIndex(where: { !blank($0) }), let last = line.lastIndex(where: { !blank($0) }) else {
            return .nothing
        }
        let text = String(line[first...last])
        let number = ids.isEmpty ? nil : Int(text)
        if let n = number, ids.indices.contains(n - 1) { return .open(ids[n - 1]) }
        if ids.contains(text) { return .open(text) }
        if let n = number { return .noSuchNumber(n) }
        return .create(title: text)
    }

    /// Whether `text` could be a session id (1-64 of A-Z a-z 0-9 _ -): worth asking the server for
    /// when the list was only the first page, before making a session with it as the title.
    public static func couldBeID(_ text: String) -> Bool { WireReader.isNewSessionID(text) }

    /// One line of the list: `  2. review  Design review  (write, 1 turn)`.
    public static func listLine(number: Int, id: String, title: String, role: String, turns: Int64) -> String {
        "  \(number). \(id)  \(title)  (\(role), \(turns) \(turns == 1 ? "turn" : "turns"))"
    }
}
