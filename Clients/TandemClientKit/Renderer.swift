import TandemJSON
import TandemProtocol

/// Turns wire values into the lines the terminal shows. Colour only when `color` is true (a TTY without
/// `NO_COLOR`); the plain form carries the same words so scripts and logs read the same.
public struct Renderer: Sendable {
    public var color: Bool
    /// Seconds east of UTC for the clock shown next to each turn.
    public var utcOffsetSeconds: Int
    /// The terminal's width in columns, or nil when not writing to a terminal (a pipe gets the same
    /// columns at any width, for scripts). A table wider than this is printed one record at a time.
    public var width: Int?
    /// Now, in Unix milliseconds, or nil: a turn from another (local) day than this one shows its
    /// date too, so a week-old session's history does not read as if it were today's.
    public var now: Int64?

    public init(color: Bool, utcOffsetSeconds: Int = 0, width: Int? = nil, now: Int64? = nil) {
        self.color = color
        self.utcOffsetSeconds = utcOffsetSeconds
        self.width = width
        self.now = now
    }

    /// Colour only on a terminal, and never when `NO_COLOR` is set (https://no-color.org).
    public static func wantsColor(isTTY: Bool, environment: [String: String]) -> Bool {
        isTTY && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
    }

    // MARK: Styling

    enum Style: String {
        case bold = "1", dim = "2", red = "31", green = "32", yellow = "33", blue = "34", magenta = "35", cyan = "36"
    }

    func paint(_ text: String, _ styles: Style...) -> String {
        guard color, !styles.isEmpty else { return text }
        return "\u{1B}[" + styles.map(\.rawValue).joined(separator: ";") + "m" + text + "\u{1B}[0m"
    }

    /// A user or session id from the wire, on one line with control characters shown: the protocol
    /// refuses C0 controls in ids but not C1 (U+009B is a CSI to many terminals) or bidi overrides,
    /// and a turn's or row's author is any text, so a hostile server could paint the terminal.
    func name(_ id: String) -> String { PrintableText.line(id) }

    /// A stable colour per author, so a conversation is easy to follow.
    func authorStyle(_ author: String) -> Style {
        let palette: [Style] = [.cyan, .green, .magenta, .blue, .yellow]
        let sum = author.utf8.reduce(0) { ($0 &* 31 &+ Int($1)) & 0xFFFF }
        return palette[sum % palette.count]
    }

    // MARK: Time

    /// `HH:MM:SS` for a millisecond Unix timestamp, shifted by `utcOffsetSeconds`.
    public func clock(_ millis: Int64) -> String {
        let seconds = Int64((Double(millis) / 1000).rounded(.down)) + Int64(utcOffsetSeconds)
        let daySeconds = ((seconds % 86_400) + 86_400) % 86_400
        return pad(daySeconds / 3600) + ":" + pad(daySeconds / 60 % 60) + ":" + pad(daySeconds % 60)
    }

    /// `YYYY-MM-DD HH:MM` for longer-lived things (share link expiry).
    public func date(_ millis: Int64) -> String {
        let seconds = Int64((Double(millis) / 1000).rounded(.down)) + Int64(utcOffsetSeconds)
        let days = Int64((Double(seconds) / 86_400).rounded(.down))
        let (y, m, d) = Self.civil(fromDays: days)
        return "\(y)-\(pad(m))-\(pad(d)) " + String(clock(millis).prefix(5))
    }

    /// Days since 1970-01-01 in the local time `utcOffsetSeconds` gives.
    func localDay(_ millis: Int64) -> Int64 {
        Int64(((Double(millis) / 1000 + Double(utcOffsetSeconds)) / 86_400).rounded(.down))
    }

    private func pad(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    // MARK: Turns and events

    /// `[12:03:04] #7 alice (user): text` — undone turns say so.
    public func turn(_ t: TurnDTO) -> String {
        let stamp = now.map { localDay($0) != localDay(t.created) } == true ? date(t.created) : clock(t.created)
        let head = paint("[\(stamp)]", .dim) + " " + paint("#\(t.seq)", .dim) + " "
            + paint(name(t.author), .bold, authorStyle(t.author)) + " " + paint("(\(t.role.rawValue))", .dim) + ": "
        let content = PrintableText.block(t.content, continuation: paint("  | ", .dim))
        let body = t.undone ? paint("[\((t.state ?? .undone).rawValue)] ", .red) + paint(content, .dim) : content
        return head + body
    }

    /// A line for an event, or nil when it needs none (turns are rendered with `turn`).
    public func event(_ e: Event) -> String? {
        switch e.payload {
        case .turn(let t): return turn(t)
        case .turnUndone(let u): return notice("turn #\(u.seq) was undone by \(name(u.by))")
        case .state(let change):
            let how = change.merged ? " (merged)" : ""
            return notice("state \(PrintableText.line(change.row.key)) = \(PrintableText.json(change.row.value)) v\(change.row.version) by \(name(change.row.author))\(how)")
        case .comment(let c): return notice("\(name(c.author)) commented on #\(c.seq): \(PrintableText.line(c.text))")
        case .presence(let p): return notice("\(name(p.user)) \(p.action.rawValue)")
        case .member(let m):
            if let role = m.role { return notice("\(name(m.user)) is now \(role.rawValue) (by \(name(m.by)))") }
            return notice("\(name(m.user)) was removed (by \(name(m.by)))")
        case .session(let s):
            switch s.change {
            case .status: return notice("session is now \(s.info.status.rawValue) (by \(name(s.by)))")
            case .updated: return notice("session updated: \"\(PrintableText.line(s.info.title))\" (by \(name(s.by)))")
            case .restored:
                // The turns above that came later are still on the screen: say they are gone, and where to look.
                let checkpoint = s.detail.map { "checkpoint " + PrintableText.line($0) } ?? "a checkpoint"
                return notice("session restored to \(checkpoint) by \(name(s.by)): later turns left history and rows went back (/history, /state)")
            case .unparented:
                // The branch stays, with its turns and rows; only merging it is over.
                let parent = s.detail.map { " " + PrintableText.line($0) } ?? ""
                return notice("this branch's parent\(parent) is gone (deleted by \(name(s.by))): the branch stays but can no longer be merged")
            default:
                let detail = s.detail.map { " " + PrintableText.line($0) } ?? ""
                return notice("session \(s.change.rawValue)\(detail) by \(name(s.by))")
            }
        case .shareExpired: return error("this share link has expired")
        }
    }

    /// `online: alice, bob`.
    public func presence(_ online: [String]) -> String {
        paint("online: ", .dim) + (online.isEmpty ? "nobody" : online.sorted().map(name).joined(separator: ", "))
    }

    /// The view's first hint: what typing does here. A paused or archived session takes no turns,
    /// and neither does a role below write (or a share link: `role` nil), so each says so instead of
    /// inviting a post the server will refuse.
    public func entryHint(role: Role?, status: SessionStatus) -> String {
        let keys = "/help for commands; Ctrl-D to leave"
        switch status {
        case .archived: return notice("this session is archived: read-only for good; \(keys)")
        case .paused: return notice("this session is paused: no turns, rows or comments until an admin resumes it (/resume); \(keys)")
        case .active:
            if role == .comment { return notice("you can follow and comment (/comment SEQ TEXT), not post; \(keys)") }
            guard let role, role >= .write else { return notice("read-only: you can follow and read; \(keys)") }
            return notice("type to post; \(keys)")
        }
    }

    /// A line from the client itself (not a turn), marked with `*`. Escaped as a whole: notices
    /// quote the server (a close reason, why a reconnect failed, who deleted the session).
    public func notice(_ text: String) -> String { paint("* " + PrintableText.line(text), .yellow) }

    /// An error for the user (never a stack trace). Escaped as a whole: errors quote the server's
    /// message, which a hostile or broken server fills as it likes.
    public func error(_ text: String) -> String { paint("! " + PrintableText.line(text), .red, .bold) }

    // MARK: State and conflicts

    public func stateRow(_ row: StateRow) -> String {
        "\(PrintableText.line(row.key)) = \(PrintableText.json(row.value))  " + paint("v\(row.version) by \(name(row.author)) at \(clock(row.updated))", .dim)
    }

    /// One block per conflicting path: what it was (base), what others wrote (theirs), what you wrote (yours).
    /// A side that did not exist shows as `(absent)`, distinct from `null`. A text conflict that says
    /// which lines conflicted shows those between git-style markers (`textConflict`).
    public func conflict(key: String, current: StateRow?, conflicts: [MergeConflictDTO]) -> [String] {
        var lines = [error("conflict writing \(PrintableText.line(key))" + (current.map { " (now v\($0.version) by \(name($0.author)))" } ?? ""))]
        for c in conflicts {
            let path = c.path.isEmpty ? "(whole value)" : PrintableText.line(c.path)
            if let regions = textConflict(path: path, c) {
                lines += regions
                continue
            }
            var (base, theirs, yours) = (c.base, c.current, c.proposed)
            if let region = TextConflictRegion(base: base, current: theirs, proposed: yours) {
                // Only the lines that differ somewhere: a document's conflict is a line or two of it.
                lines.append("  path \(path), from line \(region.before + 1) (\(region.before) line\(region.before == 1 ? "" : "s") before and \(region.after) after alike on every side):")
                (base, theirs, yours) = (region.base, region.current, region.proposed)
            } else {
                lines.append("  path \(path):")
            }
            lines.append("    base:   " + side(base))
            lines.append("    theirs: " + paint(side(theirs), .cyan))
            lines.append("    yours:  " + paint(side(yours), .green))
        }
        // Said because "ours" read as "my whole value": the choice is per path, the rest is kept.
        lines.append(notice("resolve with: ours | theirs | edit (at these paths; both sides' other changes stay)"))
        return lines
    }

    func side(_ value: JSONValue?) -> String { value.map(PrintableText.json) ?? "(absent)" }

    // MARK: Tables

    public func member(_ m: Member) -> String {
        let dot = m.online ? paint("●", .green) : paint("○", .dim)
        return "\(dot) \(name(m.user)) (\(PrintableText.line(m.name))) \(m.role.rawValue)"
    }

    /// Aligned columns; the first row is the header. Widths are terminal columns, not characters:
    /// a CJK or emoji title takes two per character, a combining mark none.
    public func table(_ rows: [[String]]) -> [String] {
        guard !rows.isEmpty else { return [] }
        let cellWidths = rows.map { $0.map(TerminalColumns.width) }
        var widths = cellWidths[0]
        for row in cellWidths { for (i, w) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], w) } }
        let lines = rows.enumerated().map { index, row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cellWidths[index][i])
            }.joined(separator: "  ")
        }
        if let width, rows.count > 1, lines.contains(where: { TerminalColumns.width($0) > width }) {
            return records(header: rows[0], rows: rows.dropFirst())
        }
        return lines.enumerated().map { index, line in index == 0 ? paint(line, .bold) : line }
    }

    /// A table too wide for the terminal, as `label: value` lines per row (a blank line between
    /// rows), so nothing wraps into the next column at 60 columns or fewer.
    func records(header: [String], rows: ArraySlice<[String]>) -> [String] {
        let labelWidth = header.map(TerminalColumns.width).max() ?? 0
        var lines: [String] = []
        for (n, row) in rows.enumerated() {
            if n > 0 { lines.append("") }
            for (label, cell) in zip(header, row) {
                lines.append(paint(label + ":", .dim) + String(repeating: " ", count: labelWidth - TerminalColumns.width(label) + 1) + cell)
            }
        }
        return lines
    }

    /// Contributions per member of one session, or (`bySession`) one user's per session with a
    /// total row: their usage across every session they are a member of.
    public func contributions(_ list: [Contribution], bySession: Bool = false) -> [String] {
        func row(_ name: String, _ c: Contribution) -> [String] {
            [name, "\(c.turns)", "\(c.tokens.input)/\(c.tokens.output)", "\(c.comments)", "\(c.rowWrites)",
             "\(c.merges)", "\(c.conflicts)", "\(c.undos)"]
        }
        let header = [bySession ? "session" : "user", "turns", "tokens in/out", "comments", "row writes", "merges", "conflicts", "undos"]
        var rows = list.map { row(name(bySession ? $0.session : $0.user), $0) }
        if bySession, list.count > 1, let first = list.first {
            // The server keeps each session's count up to 2^48 (older servers: Int64.max, which a
            // member could post as token counts), so a total over sessions saturates, never traps.
            func add(_ a: inout Int64, _ b: Int64) {
                let (sum, overflow) = a.addingReportingOverflow(b)
                a = overflow ? (b < 0 ? .min : .max) : sum
            }
            var total = first
            for c in list.dropFirst() {
                add(&total.turns, c.turns)
                add(&total.tokens.input, c.tokens.input)
                add(&total.tokens.output, c.tokens.output)
                add(&total.comments, c.comments)
                add(&total.rowWrites, c.rowWrites)
                add(&total.merges, c.merges)
                add(&total.conflicts, c.conflicts)
                add(&total.undos, c.undos)
            }
            rows.append(row("total", total))
        }
        return table([header] + rows)
    }

    public func sessions(_ list: [SessionInfo]) -> [String] {
        table([["id", "title", "role", "status", "turns", "updated"]]
              + list.map { s in
                  [name(s.id), PrintableText.line(s.title), s.role?.rawValue ?? "-", s.status.rawValue, "\(s.headSeq)", date(s.updated)]
              })
    }

    // MARK: One session, search, lists

    /// `label: value` lines describing a session (`/info`, `tandem info`); a branch names its origin.
    public func sessionInfo(_ s: SessionInfo) -> [String] {
        var rows: [(String, String)] = [
            ("id", name(s.id)),
            ("title", s.title.isEmpty ? "(none)" : PrintableText.line(s.title)),
            ("status", s.status.rawValue),
            ("owner", name(s.owner)),
        ]
        if let role = s.role { rows.append(("your role", role.rawValue)) }
        rows.append(("turns", "\(s.headSeq)"))
        if let parent = s.parent { rows.append(("branch of", "\(name(parent.session)) at #\(parent.seq)")) }
        // Metadata is anyone-with-admin's text: escaped like any other foreign text.
        rows.append(("metadata", PrintableText.line(s.metadata.serialized())))
        rows.append(("created", date(s.created)))
        rows.append(("updated", date(s.updated)))
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { label, value in
            paint(label + ":", .dim) + String(repeating: " ", count: width - label.count + 1) + value
        }
    }

    /// One line per search hit: `s1 #17 Title: …[match]…`, or `s1 (title): [Match]ing title`.
    public func searchHits(_ hits: [SearchHit]) -> [String] {
        hits.map { h in
            let place = h.seq.map { "\(name(h.session.id)) #\($0)" } ?? "\(name(h.session.id)) (title)"
            let title = h.seq == nil ? "" : " " + paint(PrintableText.line(h.session.title), .dim)
            return paint(place, .bold) + title + ": " + PrintableText.line(h.snippet)
        }
    }

    /// `[2025-11-22 08:13] #43 carol: text`, one per comment (several lines for a multi-line one).
    public func comments(_ list: [CommentDTO]) -> [String] {
        list.map { c in
            paint("[\(date(c.created))]", .dim) + " " + paint("#\(c.seq)", .dim) + " "
                + paint(name(c.author), .bold, authorStyle(c.author)) + ": "
                + PrintableText.block(c.text, continuation: paint("  | ", .dim))
        }
    }

    public func checkpoints(_ list: [Checkpoint]) -> [String] {
        table([["name", "turn", "rows", "by", "saved"]]
              + list.map { c in [PrintableText.line(c.name), "#\(c.seq)", "\(c.rowCount)", name(c.by), date(c.created)] })
    }

    /// A checkpoint's rows: each key (one line, control characters shown) with its saved version.
    public func checkpointRows(_ list: [CheckpointRow]) -> [String] {
        table([["key", "version"]] + list.map { r in [PrintableText.line(r.key), "\(r.version)"] })
    }

    public func templates(_ list: [TemplateInfo]) -> [String] {
        table([["name", "from", "saved"]] + list.map { t in [PrintableText.line(t.name), name(t.source), date(t.created)] })
    }

    /// Share links with what they are worth at `now` (ms): `active`, `revoked` or `expired`.
    public func shares(_ list: [ShareLink], now: Timestamp) -> [String] {
        table([["id", "state", "expires", "last used", "by"]]
              + list.map { l in
                  let state = l.revoked ? "revoked" : (l.expires <= now ? "expired" : "active")
                  return [name(l.id), state, date(l.expires), l.lastUsed.map(date) ?? "never", name(l.by)]
              })
    }
}
