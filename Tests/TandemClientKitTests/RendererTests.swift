import Testing
import TandemJSON
import TandemProtocol
@testable import TandemClientKit

@Suite struct RendererTests {
    let plain = Renderer(color: false)
    let colour = Renderer(color: true)
    // 2025-11-22 08:13:20 UTC.
    let t: Int64 = 1_763_799_200_000

    func turn(undone: Bool = false) -> TurnDTO {
        TurnDTO(seq: 7, author: "alice", role: .assistant, content: "Here is the plan.", metadata: [:], tokens: .zero,
                created: t, nonce: nil, undone: undone)
    }

    @Test func timestamps() {
        #expect(plain.clock(t) == "08:13:20")
        #expect(Renderer(color: false, utcOffsetSeconds: 3_600).clock(t) == "09:13:20")
        #expect(Renderer(color: false, utcOffsetSeconds: -9 * 3_600).clock(t) == "23:13:20")
        #expect(plain.clock(0) == "00:00:00")
        #expect(plain.date(t) == "2025-11-22 08:13")
        #expect(plain.date(951_782_400_000) == "2000-02-29 00:00")
    }

    /// A turn from another local day than now shows its date; today's its time to the second.
    @Test func aTurnFromAnotherDayShowsItsDate() {
        let sameDay = Renderer(color: false, now: t + 3_600_000)
        #expect(sameDay.turn(turn()) == "[08:13:20] #7 alice (assistant): Here is the plan.")
        let nextDay = Renderer(color: false, now: t + 86_400_000)
        #expect(nextDay.turn(turn()) == "[2025-11-22 08:13] #7 alice (assistant): Here is the plan.")
        // The day is the local one: 08:13 UTC is the evening before at UTC-9, and now (16:13 UTC) is
        // 07:13 there, the next day.
        let west = Renderer(color: false, utcOffsetSeconds: -9 * 3_600, now: t + 8 * 3_600_000)
        #expect(west.turn(turn()).hasPrefix("[2025-11-21 23:13]"))
        let westSameDay = Renderer(color: false, utcOffsetSeconds: -9 * 3_600, now: t + 1_800_000)
        #expect(westSameDay.turn(turn()).hasPrefix("[23:13:20]"))
    }

    @Test func plainTurnHasAuthorRoleTimeAndNoEscapes() {
        let line = plain.turn(turn())
        #expect(line == "[08:13:20] #7 alice (assistant): Here is the plan.")
        #expect(!line.contains("\u{1B}"))
        #expect(plain.turn(turn(undone: true)) == "[08:13:20] #7 alice (assistant): [undone] Here is the plan.")
    }

    @Test func controlCharactersFromOthersNeverReachTheTerminal() {
        var evil = turn()
        evil.content = "evil \u{1B}[2J\u{1B}[31mRED\u{1B}[0m \u{1B}]0;PWNED\u{07} \u{9B}2J \u{202E}txt.exe del\u{7F} end"
        let line = plain.turn(evil)
        #expect(!line.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0 == "\u{202E}" })
        #expect(line.hasSuffix("evil ^[[2J^[[31mRED^[[0m ^[]0;PWNED^G \\u{9B}2J \\u{202E}txt.exe del^? end"))
        // A second line of content cannot pass for a turn of someone else's.
        var spoof = turn()
        spoof.content = "fine\r\n[08:14:00] #99 owner (user): please run rm -rf ~\rx"
        #expect(plain.turn(spoof).split(separator: "\n") == [
            "[08:13:20] #7 alice (assistant): fine", "  | [08:14:00] #99 owner (user): please run rm -rf ~^Mx",
        ])
        #expect(!colour.turn(spoof).contains("\u{1B}]"))
        #expect(PrintableText.line("a\nb\tc") == "a^Jb\tc")
        let title = SessionInfo(id: "s", title: "\u{1B}[2Jx", owner: "o", created: 0, updated: 0)
        #expect(plain.sessions([title])[1].contains("^[[2Jx"))
    }

    /// A state row is another member's text too: its key (any text on the wire, `\u001b` decodes to
    /// ESC) and the C1, DEL and bidi characters its value's serialization keeps must show escaped, in
    /// the live `state` event, `/state`, `tandem state` and a conflict's sides and path.
    @Test func stateRowsFromOthersNeverReachTheTerminalRaw() {
        let key = "k\u{1B}]0;PWNED\u{07}"
        let value: JSONValue = ["x\u{1B}[2J": "\u{9B}2J \u{202E}rev \u{7F}"]
        let row = StateRow(key: key, version: 2, value: value, author: "carol", updated: t)
        func clean(_ line: String?) -> Bool {
            guard let line else { return false }
            return !line.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0 == "\u{202E}" }
        }
        let event = plain.event(Event(session: "s", eseq: 4, payload: .state(StateChange(row: row, merged: false))))
        #expect(clean(event), "\(String(describing: event))")
        #expect(event == #"* state k^[]0;PWNED^G = {"x\u001b[2J":"\u{9B}2J \u{202E}rev ^?"} v2 by carol"#)
        #expect(clean(plain.stateRow(row)))
        let lines = plain.conflict(key: key, current: row, conflicts: [
            MergeConflictDTO(path: "/\u{1B}[2J", base: "\u{9B}", current: "\u{202E}", proposed: "\u{7F}"),
        ])
        #expect(lines.allSatisfy(clean), "\(lines)")
        #expect(lines[1] == "  path /^[[2J:")
    }

    /// Ids and authors come from the server too: the protocol refuses C0 controls in a user or
    /// session id but not C1 or bidi overrides, and a turn's or row's author is any text. Every
    /// line that names one shows them escaped (found by the `client` fuzz target: a turn event
    /// whose author held ESC ] 0; retitled the reader's terminal).
    @Test func idsAndAuthorsFromTheServerNeverReachTheTerminalRaw() {
        let evil = "e\u{1B}]0;PWNED\u{07}\u{9B}2J\u{202E}"
        func clean(_ line: String) -> Bool {
            !line.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0 == "\u{202E}" }
        }
        var byEvil = turn()
        byEvil.author = evil
        let info = SessionInfo(id: evil, title: "t", owner: evil, created: t, updated: t)
        var lines = [plain.turn(byEvil), plain.presence([evil, "bob"]),
                     plain.member(Member(user: evil, name: "n", role: .write, added: t)),
                     plain.stateRow(StateRow(key: "k", version: 1, value: 1, author: evil, updated: t))]
        let payloads: [EventPayload] = [
            .turn(byEvil), .turnUndone(TurnUndone(seq: 1, by: evil)), .comment(CommentDTO(id: 1, seq: 1, author: evil, text: "x", created: t)),
            .presence(PresenceChange(user: evil, action: .joined, onlineCount: 1)),
            .member(MemberChange(user: evil, role: .read, by: evil)), .member(MemberChange(user: evil, role: nil, by: evil)),
            .session(SessionChange(change: .status, info: info, by: evil)), .session(SessionChange(change: .updated, info: info, by: evil)),
        ]
        lines += payloads.compactMap { plain.event(Event(session: "s", eseq: 1, payload: $0)) }
        lines += plain.sessions([info]) + plain.sessionInfo(info)
        lines += plain.comments([CommentDTO(id: 1, seq: 1, author: evil, text: "x", created: t)])
        lines += plain.checkpoints([Checkpoint(name: "c", seq: 1, by: evil, created: t)])
        lines += plain.templates([TemplateInfo(name: "n", source: evil, by: evil, created: t)])
        lines += plain.searchHits([SearchHit(session: info, seq: 1, snippet: "s")])
        #expect(lines.allSatisfy(clean), "\(lines.filter { !clean($0) })")
        #expect(plain.turn(byEvil).contains("#7 e^[]0;PWNED^G\\u{9B}2J\\u{202E} (assistant)"))
    }

    @Test func colourTurnCarriesTheSameWordsInANSI() {
        let line = colour.turn(turn())
        #expect(line.contains("\u{1B}["))
        #expect(line.hasSuffix("Here is the plan."))
        let stripped = line.replacing(/\x1B\[[0-9;]*m/, with: "")
        #expect(stripped == plain.turn(turn()))
    }

    @Test func colourOnlyOnATerminalWithoutNoColor() {
        #expect(Renderer.wantsColor(isTTY: true, environment: [:]))
        #expect(!Renderer.wantsColor(isTTY: false, environment: [:]))
        #expect(!Renderer.wantsColor(isTTY: true, environment: ["NO_COLOR": "1"]))
        #expect(!Renderer.wantsColor(isTTY: true, environment: ["TERM": "dumb"]))
    }

    @Test func eventLines() {
        let undone = Event(session: "s", eseq: 3, payload: .turnUndone(TurnUndone(seq: 7, by: "bob")))
        #expect(plain.event(undone) == "* turn #7 was undone by bob")
        let presence = Event(session: "s", eseq: nil, payload: .presence(PresenceChange(user: "bob", action: .joined, onlineCount: 2)))
        #expect(plain.event(presence) == "* bob joined")
        #expect(plain.presence(["bob", "alice"]) == "online: alice, bob")
        #expect(plain.presence([]) == "online: nobody")
        let row = StateRow(key: "plan", version: 2, value: ["a": 1], author: "carol", updated: t)
        #expect(plain.event(Event(session: "s", eseq: 4, payload: .state(StateChange(row: row, merged: true))))
                == #"* state plan = {"a":1} v2 by carol (merged)"#)
        #expect(plain.event(Event(session: "s", eseq: 5, payload: .member(MemberChange(user: "dave", role: nil, by: "alice"))))
                == "* dave was removed (by alice)")
        let archived = SessionInfo(id: "s", title: "Plan", owner: "alice", status: .archived, created: 0, updated: 0)
        #expect(plain.event(Event(session: "s", eseq: 6, payload: .session(SessionChange(change: .status, info: archived, by: "admin"))))
                == "* session is now archived (by admin)")
        #expect(plain.event(Event(session: "s", eseq: 7, payload: .session(SessionChange(change: .updated, info: archived, by: "alice"))))
                == "* session updated: \"Plan\" (by alice)")
        #expect(plain.event(Event(session: "s", eseq: 8, payload: .session(SessionChange(change: .restored, info: archived, by: "alice", detail: "cp1"))))
                == "* session restored to checkpoint cp1 by alice: later turns left history and rows went back (/history, /state)")
        // A share viewer's event carries no checkpoint name.
        #expect(plain.event(Event(session: "s", eseq: 9, payload: .session(SessionChange(change: .restored, info: archived, by: "alice"))))
                == "* session restored to a checkpoint by alice: later turns left history and rows went back (/history, /state)")
    }

    /// A document both changed on one line shows that line, not three whole documents on one line each.
    @Test func aTextConflictShowsTheLinesThatDiffer() {
        let doc = "# Plan\n\nGoals: ship.\nIt has two lines.\n\nRisks.\n"
        let lines = plain.conflict(key: "doc", current: nil, conflicts: [
            MergeConflictDTO(path: "", base: .string(doc), current: .string(doc.replacing("ship", with: "launch")),
                             proposed: .string(doc.replacing("ship", with: "deliver"))),
            MergeConflictDTO(path: "/notes", base: nil, current: "a\r\nb\r\n", proposed: "a\r\nc"),
        ])
        #expect(lines.dropFirst().dropLast() == [
            "  path (whole value), from line 3 (2 lines before and 3 after alike on every side):",
            #"    base:   "Goals: ship.\n""#,
            #"    theirs: "Goals: launch.\n""#,
            #"    yours:  "Goals: deliver.\n""#,
            "  path /notes, from line 2 (1 line before and 0 after alike on every side):",
            "    base:   (absent)",
            #"    theirs: "b\r\n""#,
            #"    yours:  "c""#,
        ], "\(lines)")
        // Texts with no line alike at either end, and values that are not texts, show whole.
        #expect(TextConflictRegion(base: "x\n", current: "y\n", proposed: "z\n") == nil)
        #expect(TextConflictRegion(base: "x\ny\n", current: 1, proposed: "x\nz\n") == nil)
    }

    @Test func conflictShowsBaseTheirsYoursPerPath() {
        let current = StateRow(key: "plan", version: 6, value: ["owner": "carol"], author: "carol", updated: t)
        let lines = plain.conflict(key: "plan", current: current, conflicts: [
            MergeConflictDTO(path: "/owner", base: "bob", current: "carol", proposed: "dave"),
            MergeConflictDTO(path: "", base: nil, current: .null, proposed: 1),
        ])
        #expect(lines == [
            "! conflict writing plan (now v6 by carol)",
            "  path /owner:",
            #"    base:   "bob""#,
            #"    theirs: "carol""#,
            #"    yours:  "dave""#,
            "  path (whole value):",
            "    base:   (absent)",
            "    theirs: null",
            "    yours:  1",
            "* resolve with: ours | theirs | edit (at these paths; both sides' other changes stay)",
        ])
    }

    @Test func tablesAlignColumns() {
        #expect(plain.table([["a", "bb"], ["ccc", "d"]]) == ["a    bb", "ccc  d"])
        #expect(plain.table([]) == [])
        // Terminal columns: 設計 is four wide, é (e + combining acute) one, 🚀 two.
        #expect(plain.table([["id", "title", "role"], ["s1", "設計", "owner"], ["s2", "e\u{301}", "read"], ["s3", "🚀x", "-"]])
                == ["id  title  role", "s1  設計   owner", "s2  e\u{301}      read", "s3  🚀x    -"])
    }

    @Test func sessionInfoNamesEveryFieldAndABranchOrigin() {
        let branch = SessionInfo(id: "b-7", title: "Try plan B", owner: "alice", status: .paused, metadata: ["team": "core"],
                                 created: t, updated: t + 60_000, headSeq: 40, parent: BranchOrigin(session: "s-1", seq: 40), role: .write)
        #expect(plain.sessionInfo(branch) == [
            "id:        b-7",
            "title:     Try plan B",
            "status:    paused",
            "owner:     alice",
            "your role: write",
            "turns:     40",
            "branch of: s-1 at #40",
            #"metadata:  {"team":"core"}"#,
            "created:   2025-11-22 08:13",
            "updated:   2025-11-22 08:14",
        ])
        let plainSession = SessionInfo(id: "s", title: "", owner: "o", created: 0, updated: 0)
        let lines = plain.sessionInfo(plainSession)
        #expect(lines.contains("title:    (none)"))
        #expect(!lines.contains { $0.hasPrefix("branch of") || $0.hasPrefix("your role") })
        let evil = SessionInfo(id: "s", title: "\u{1B}[2J", owner: "o", metadata: ["x": .string("\u{1B}]0;pwn\u{07}\u{202E}")], created: 0, updated: 0)
        #expect(!plain.sessionInfo(evil).joined().unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{07}" || $0 == "\u{202E}" })
    }

    @Test func searchHitsSayWhereTheMatchIs() {
        let session = SessionInfo(id: "s-1", title: "Design review", owner: "alice", created: 0, updated: 0)
        #expect(plain.searchHits([
            SearchHit(session: session, snippet: "[Design] review"),
            SearchHit(session: session, seq: 17, snippet: "…how do we [merge] rows…"),
        ]) == ["s-1 (title): [Design] review", "s-1 #17 Design review: …how do we [merge] rows…"])
        #expect(plain.searchHits([]) == [])
        let evil = SearchHit(session: session, seq: 1, snippet: "a\nb\u{1B}[31m")
        #expect(plain.searchHits([evil]) == ["s-1 #1 Design review: a^Jb^[[31m"])
    }

    @Test func commentsShowTurnAuthorAndText() {
        let list = [CommentDTO(id: 5, seq: 43, author: "carol", text: "Which model was this?", created: t),
                    CommentDTO(id: 6, seq: 44, author: "bob", text: "two\nlines", created: t)]
        #expect(plain.comments(list) == ["[2025-11-22 08:13] #43 carol: Which model was this?",
                                         "[2025-11-22 08:13] #44 bob: two\n  | lines"])
        #expect(colour.comments(list)[0].replacing(/\x1B\[[0-9;]*m/, with: "") == plain.comments(list)[0])
    }

    @Test func checkpointTemplateAndShareTables() {
        let checkpoints = [Checkpoint(name: "before-refactor", seq: 43, rowCount: 2, by: "alice", created: t)]
        #expect(plain.checkpoints(checkpoints) == [
            "name             turn  rows  by     saved",
            "before-refactor  #43   2     alice  2025-11-22 08:13",
        ])
        #expect(plain.checkpointRows([CheckpointRow(key: "plan", version: 4), CheckpointRow(key: "a\nb", version: 12)]) == [
            "key   version",
            "plan  4",
            "a^Jb  12",
        ])
        #expect(plain.templates([TemplateInfo(name: "retro", source: "s-1", by: "alice", created: t)]) == [
            "name   from  saved",
            "retro  s-1   2025-11-22 08:13",
        ])
        let links = [
            ShareLink(id: "sh-3", session: "s", expires: t + 1, by: "alice", created: t),
            ShareLink(id: "sh-2", session: "s", expires: t, by: "bob", created: t, lastUsed: t),
            ShareLink(id: "sh-1", session: "s", expires: t + 1, by: "alice", created: t, revoked: true),
        ]
        #expect(plain.shares(links, now: t) == [
            "id    state    expires           last used         by",
            "sh-3  active   2025-11-22 08:13  never             alice",
            "sh-2  expired  2025-11-22 08:13  2025-11-22 08:13  bob",
            "sh-1  revoked  2025-11-22 08:13  never             alice",
        ])
    }
}

@Suite struct ShareURLTests {
    @Test func aPathGetsTheOriginTheClientConnectedTo() {
        #expect(ShareURL.absolute("/s/abc", webSocketURL: "ws://127.0.0.1:8765/ws") == "http://127.0.0.1:8765/s/abc")
        #expect(ShareURL.absolute("/s/abc", webSocketURL: "wss://tandem.example.com/ws") == "https://tandem.example.com/s/abc")
        #expect(ShareURL.absolute("/s/abc", webSocketURL: "ws://[::1]:9/ws?x=1") == "http://[::1]:9/s/abc")
    }

    @Test func aWholeLinkFromTheServerIsKept() {
        // With the server's public-url set, share.create answers with the whole link.
        #expect(ShareURL.absolute("https://tandem.example.com/s/abc", webSocketURL: "ws://10.0.0.5:8765/ws")
                == "https://tandem.example.com/s/abc")
        #expect(ShareURL.absolute("http://h/s/abc", webSocketURL: "ws://x/ws") == "http://h/s/abc")
    }

    @Test func theServerOfAShareLinkLeavesTheSecretOut() {
        #expect(ShareURL.server(of: "ws://127.0.0.1:8765/s/SECRET") == "http://127.0.0.1:8765")
        #expect(ShareURL.server(of: "wss://tandem.example.com/s/SECRET") == "https://tandem.example.com")
    }
}

@Suite struct ContributionsTableTests {
    let plain = Renderer(color: false)

    @Test func aTotalRowSumsEverySession() {
        let lines = plain.contributions([
            Contribution(session: "s1", user: "u", turns: 2, tokens: TokenCounts(input: 10, output: 5), comments: 1),
            Contribution(session: "s2", user: "u", turns: 3, tokens: TokenCounts(input: 7, output: 1), undos: 2),
        ], bySession: true)
        #expect(lines.last?.split(separator: " ", omittingEmptySubsequences: true) == ["total", "5", "17/6", "1", "0", "0", "0", "2"])
    }

    @Test func largeCountsSaturateInsteadOfTrapping() {
        // What `tandem stats` got when a session held a turn posted with tokens.input = 2^63-1: it crashed.
        let big = Int64.max
        let lines = plain.contributions([
            Contribution(session: "s1", user: "u", turns: big, tokens: TokenCounts(input: big, output: 1), comments: big,
                         rowWrites: big, merges: big, conflicts: big, undos: big),
            Contribution(session: "s2", user: "u", turns: 1, tokens: TokenCounts(input: 10, output: big), comments: 1,
                         rowWrites: 1, merges: 1, conflicts: 1, undos: 1),
            Contribution(session: "s3", user: "u", turns: 1, tokens: TokenCounts(input: 1, output: 1)),
        ], bySession: true)
        let m = "\(big)"
        #expect(lines.last?.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                == ["total", m, "\(m)/\(m)", m, m, m, m, m])
    }
}

/// A table wider than the terminal is printed one record at a time (`label: value`), so at 60
/// columns `/stats` does not wrap its columns into each other; a narrow one, or one piped (no
/// width), stays a table.
@Suite struct NarrowTableTests {
    let stats = [
        Contribution(session: "s1", user: "bob", turns: 3, tokens: TokenCounts(input: 10, output: 5), comments: 1),
        Contribution(session: "s1", user: "owner", turns: 7, undos: 1),
    ]

    @Test func aTableWiderThanTheTerminalBecomesRecords() {
        let lines = Renderer(color: false, width: 60).contributions(stats)
        #expect(lines.allSatisfy { TerminalColumns.width($0) <= 60 }, "\(lines)")
        #expect(lines.first == "user:          bob")
        #expect(lines.contains("tokens in/out: 10/5"))
        #expect(lines.contains(""), "a blank line between records")
        #expect(lines.last == "undos:         1")
        #expect(lines.count == 8 * 2 + 1)
    }

    @Test func aTableThatFitsOrIsPipedStaysATable() {
        let wide = Renderer(color: false, width: 120).contributions(stats)
        #expect(wide.count == 3 && wide[0].hasPrefix("user   turns  tokens in/out"))
        #expect(Renderer(color: false).contributions(stats) == wide)
        let checkpoints = Renderer(color: false, width: 60).checkpoints([
            Checkpoint(name: "before-branch", seq: 5, rowCount: 1, by: "owner", created: 0)])
        #expect(checkpoints.count == 2 && checkpoints[0].hasPrefix("name"), "\(checkpoints)")
    }

    @Test func colourRecordsCarryTheSameWords() {
        let lines = Renderer(color: true, width: 40).contributions(stats)
        #expect(lines.contains { $0.contains("user:") && $0.hasSuffix("bob") })
    }
}

/// The view's first hint says what typing will do: a paused or archived session, a reader or a
/// share viewer is not invited to post.
@Suite struct EntryHintTests {
    let plain = Renderer(color: false)

    @Test func theHintFollowsStatusAndRole() {
        #expect(plain.entryHint(role: .write, status: .active) == "* type to post; /help for commands; Ctrl-D to leave")
        #expect(plain.entryHint(role: .owner, status: .active).hasPrefix("* type to post"))
        #expect(plain.entryHint(role: .comment, status: .active).hasPrefix("* you can follow and comment (/comment SEQ TEXT), not post"))
        #expect(plain.entryHint(role: .read, status: .active).hasPrefix("* read-only: you can follow and read"))
        #expect(plain.entryHint(role: nil, status: .active).hasPrefix("* read-only"))
        #expect(plain.entryHint(role: .owner, status: .paused).hasPrefix("* this session is paused: no turns, rows or comments until an admin resumes it"))
        #expect(plain.entryHint(role: .owner, status: .archived).hasPrefix("* this session is archived: read-only for good"))
    }
}
