import Foundation
import Testing
import TandemJSON
import TandemStore

@Suite struct MembershipCommandTests {
    @Test func grantRevokeAndMembers() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let head = try f.seed { store in try store.session(id: "s1").lastEventSeq }
        let grant = try f.run(["grant", "erin", "s1", "admin"])
        expectStatus(grant, 0)
        #expect(grant.stdout.contains("erin is now admin in s1"))
        // Recorded in the change log, so live members get a `member` event.
        let events = try f.seed { store in try store.changeFeed(session: "s1", since: head).events }
        #expect(events.map(\.kind) == [.member] && events[0].data?["role"]?.stringValue == "admin")
        expectStatus(try f.run(["grant", "bob", "s1", "READ"]), 0)

        let members = try f.run(["members", "s1", "--json"])
        expectStatus(members, 0)
        let roles = try #require(try members.json()["members"]?.arrayValue).reduce(into: [String: String]()) {
            $0[$1["user"]?.stringValue ?? ""] = $1["role"]?.stringValue
        }
        #expect(roles == ["alice": "owner", "bob": "read", "carol": "read", "erin": "admin"])
        let table = try f.run(["members", "s1"])
        #expect(table.rows.map { $0[0] } == ["alice", "bob", "carol", "erin"])

        expectStatus(try f.run(["revoke", "erin", "s1"]), 0)
        #expect(try f.seed { store in try store.role(session: "s1", user: "erin") } == nil)
        let again = try f.run(["revoke", "erin", "s1"])
        expectStatus(again, 2)
        #expect(again.stderr.contains("'erin' is not a member of session 's1'; list members with: tandem-admin members s1"))
        let actions = try f.seed { store in try store.auditLog(session: "s1").prefix(3).map { "\($0.actor ?? "-") \($0.action)" } }
        #expect(actions == ["admin member.remove", "admin member.role", "admin member.add"])
    }

    @Test func badRolesUnknownNamesAndTheLastOwner() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let role = try f.run(["grant", "erin", "s1", "boss"])
        expectStatus(role, 1)
        #expect(role.stderr.contains("unknown role 'boss'; roles are owner, admin, write, comment, read"))
        let user = try f.run(["grant", "zed", "s1", "write"])
        expectStatus(user, 2)
        #expect(user.stderr.contains("no user 'zed'; list users with: tandem-admin users list"))
        let session = try f.run(["grant", "erin", "nope", "write"])
        expectStatus(session, 2)
        #expect(session.stderr.contains("no session 'nope'; list sessions with: tandem-admin sessions list"))
        expectStatus(try f.run(["members", "nope"]), 2)
        expectStatus(try f.run(["grant", "erin", "s1"]), 1)
        let demote = try f.run(["grant", "alice", "s1", "write"])
        expectStatus(demote, 3)
        #expect(demote.stderr.contains("at least one owner"))
        expectStatus(try f.run(["revoke", "alice", "s1"]), 3)
    }
}

@Suite struct ShareCommandTests {
    @Test func createPrintsTheURLAndTheLinkOpensUntilRevoked() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let created = try f.run(["share", "create", "s1", "--expires", "7d", "--url", "https://tandem.example.com/"])
        expectStatus(created, 0)
        let url = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(url.hasPrefix("https://tandem.example.com/s/tds_"))
        #expect(created.stderr.contains("shown only once"))
        #expect(!created.stderr.contains("assumes a server"), "\(created.stderr)")
        let secret = String(url.dropFirst("https://tandem.example.com/s/".count))
        let link = try #require(try f.seed { store in try store.lookupShareLink(secret: secret) })
        #expect(link.sessionID == "s1" && link.createdBy == "admin" && link.permission == "read")
        let week: Int64 = 7 * 86_400_000
        #expect(abs((link.expiresAt ?? 0) - link.createdAt - week) < 1_000)

        // Default base URL from the environment, then the built-in default.
        let env = try f.run(["share", "create", "s1", "--expires", "12h"], env: ["TANDEM_PUBLIC_URL": "http://h:9"])
        #expect(env.stdout.hasPrefix("http://h:9/s/tds_"))
        #expect(!env.stderr.contains("assumes a server"), "\(env.stderr)")
        // A negative lifetime is a bad duration, not a missing value.
        let negative = try f.run(["share", "create", "s1", "--expires", "-5m"])
        #expect(negative.status != 0 && negative.stderr.contains("bad duration '-5m'"), "\(negative.stderr)")
        let json = try f.run(["share", "create", "s1", "--json"])
        expectStatus(json, 0)
        #expect(try json.json()["url"]?.stringValue?.hasPrefix("http://127.0.0.1:8765/s/tds_") == true)
        // The built-in base is a guess (the database does not say where tandemd listens): said so on stderr.
        #expect(json.stderr.contains("warning: no --url or TANDEM_PUBLIC_URL given, so the URL assumes a server at http://127.0.0.1:8765"),
                "\(json.stderr)")
        #expect(try json.json()["state"]?.stringValue == "active")

        let list = try f.run(["share", "list", "--json"])
        expectStatus(list, 0)
        let shares = try #require(try list.json()["shares"]?.arrayValue)
        #expect(shares.count == 3 && shares.allSatisfy { $0["session"]?.stringValue == "s1" })
        #expect(shares.contains { $0["id"]?.stringValue == link.id })

        expectStatus(try f.run(["share", "revoke", "--", link.id]), 0)
        #expect(try f.seed { store in try store.lookupShareLink(secret: secret) }?.revokedAt != nil)
        // A revoked link leaves the listing of working ones; --all still shows it, marked.
        #expect(try f.run(["share", "list", "s1"]).rows.contains { $0[0] == link.id } == false)
        let table = try f.run(["share", "list", "s1", "--all"])
        #expect(table.rows.first { $0[0] == link.id }?[2] == "revoked")
        #expect(try f.seed { store in try store.auditLog(session: "s1").first }?.action == "share.revoke")
        let again = try f.run(["share", "revoke", "--", link.id])
        expectStatus(again, 0)
        #expect(again.stdout == "share link \(link.id) was already revoked\n")
        #expect(try f.seed { store in try store.auditLog(session: "s1").filter { $0.action == "share.revoke" }.count } == 1)
    }

    @Test func listComesInPagesWithACursor() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        var made: [String] = []
        for _ in 0..<5 { made.append(try #require(try f.run(["share", "create", "s1", "--json"]).json()["id"]?.stringValue)) }
        var seen: [String] = []
        var after: String? = nil
        var pages = 0
        repeat {
            let page = try f.run(["share", "list", "--limit", "2", "--json"] + (after.map { ["--after", $0] } ?? []))
            expectStatus(page, 0)
            let json = try page.json()
            let ids = try #require(json["shares"]?.arrayValue).compactMap { $0["id"]?.stringValue }
            #expect(ids.count <= 2)
            seen += ids
            after = json["next"]?.stringValue
            #expect(json["more"]?.boolValue == (after != nil))
            pages += 1
        } while after != nil && pages < 10
        #expect(pages == 3)
        #expect(Set(seen) == Set(made) && seen.count == 5)
        // The table says how to go on.
        let table = try f.run(["share", "list", "s1", "--limit", "3"])
        #expect(table.rows.count == 3)
        #expect(table.stderr.contains("(more share links: --after \(seen[2]))"), "\(table.stderr)")
        expectStatus(try f.run(["share", "list", "--limit", "0"]), 1)
        expectStatus(try f.run(["share", "list", "--limit", "1001"]), 1)
        expectStatus(try f.run(["share", "list", "--after", "nope"]), 2)
    }

    @Test func badDurationsUnknownSessionsAndLinks() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        for bad in ["7x", "0d", "d", "-3h", "1.5d"] {
            let r = try f.run(["share", "create", "s1", "--expires=\(bad)"])
            expectStatus(r, 1)
            #expect(r.stderr.contains("bad duration"))
        }
        // Longer than a link may live, up to durations whose expiry time would overflow.
        for tooLong in ["366d", "106751991167d", "15250284452w"] {
            let r = try f.run(["share", "create", "s1", "--expires=\(tooLong)"])
            expectStatus(r, 1)
            #expect(r.stderr.contains("at most 365d"), "\(tooLong): \(r.stderr)")
        }
        let session = try f.run(["share", "create", "nope"])
        expectStatus(session, 2)
        #expect(session.stderr.contains("no session 'nope'"))
        expectStatus(try f.run(["share", "list", "nope"]), 2)
        let link = try f.run(["share", "revoke", "nope"])
        expectStatus(link, 2)
        #expect(link.stderr.contains("no share link 'nope'; list share links with: tandem-admin share list"))
        expectStatus(try f.run(["share", "create", "s1", "--url", "ftp://x"]), 1)
        #expect(try f.run(["share", "list", "--json"]).json()["shares"]?.arrayValue?.isEmpty == true)
    }
}

@Suite struct AuditCommandTests {
    @Test func recentPermissionAndShareEvents() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        expectStatus(try f.run(["grant", "erin", "s1", "write"]), 0)
        expectStatus(try f.run(["share", "create", "s1"]), 0)
        let audit = try f.run(["audit", "--json"])
        expectStatus(audit, 0)
        let entries = try #require(try audit.json()["audit"]?.arrayValue)
        #expect(entries.prefix(2).compactMap { $0["action"]?.stringValue } == ["share.create", "member.add"])
        #expect(entries[1]["actor"]?.stringValue == "admin" && entries[1]["target"]?.stringValue == "erin")
        #expect(entries[1]["detail"]?["to"]?.stringValue == "write")
        let limited = try f.run(["audit", "--session", "s1", "--limit", "1"])
        #expect(limited.rows.count == 1 && limited.rows[0][3] == "share.create")
        expectStatus(try f.run(["audit", "--limit", "0"]), 1)
    }

    /// `audit --session TYPO` printed nothing and exited 0, as for a session with nothing to show: a
    /// mistyped id read as "nothing happened there". A deleted session's events still list (its id is
    /// in no sessions row any more), and a session with no events yet is an empty page.
    @Test func aMistypedSessionIsNotFoundButADeletedOnesEventsList() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        try f.seed { store in
            _ = try store.createSession(id: "gone", title: "Old", owner: "alice")
            _ = try store.createSession(id: "quiet", title: "Nothing yet", owner: "alice")
        }
        expectStatus(try f.run(["sessions", "delete", "gone", "--yes"]), 0)
        expectStatus(try f.run(["sessions", "show", "gone"]), 2)

        let deleted = try f.run(["audit", "--session", "gone", "--json"])
        expectStatus(deleted, 0)
        #expect(try deleted.json()["audit"]?.arrayValue?.compactMap { $0["action"]?.stringValue }.contains("session.delete") == true)
        let quiet = try f.run(["audit", "--session", "quiet", "--json"])
        expectStatus(quiet, 0)
        #expect(try quiet.json()["audit"]?.arrayValue?.isEmpty == true)

        for output in [["--json"], []] {
            let typo = try f.run(["audit", "--session", "s11"] + output)
            expectStatus(typo, 2)
            #expect(typo.stdout.isEmpty && typo.stderr.contains("no session 's11'; list sessions with: tandem-admin sessions list"), "\(typo.stderr)")
        }
        // Older than the first event: nothing, and no error (a script's last page). Below 1: no event id.
        let first = try f.run(["audit", "--session", "s1", "--before", "1", "--json"])
        expectStatus(first, 0)
        #expect(try first.json()["audit"]?.arrayValue?.isEmpty == true)
        let zero = try f.run(["audit", "--before", "0"])
        expectStatus(zero, 1)
        #expect(zero.stderr.contains("--before must be an event id (1 or more)"), "\(zero.stderr)")
    }

    /// Who was let in shows too: `users add` and `tokens issue` wrote nothing (only a later removal or
    /// revocation did), so the log could not say when a credential came to be, or by whom.
    @Test func newUsersAndTokensAreAudited() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        expectStatus(try f.run(["users", "add", "Frank", "--id", "frank"]), 0)
        expectStatus(try f.run(["tokens", "issue", "erin", "--label", "ci bot"]), 0)
        let entries = try #require(try f.run(["audit", "--json"]).json()["audit"]?.arrayValue)
        let issue = try #require(entries.first)
        #expect(issue["action"]?.stringValue == "token.issue" && issue["actor"]?.stringValue == "admin")
        #expect(issue["detail"]?["user"]?.stringValue == "erin" && issue["detail"]?["label"]?.stringValue == "ci bot")
        #expect(!"\(entries)".contains("tdm_"), "the secret is never written")
        let adds = entries.filter { $0["action"]?.stringValue == "user.add" }.compactMap { $0["target"]?.stringValue }
        #expect(adds.contains("frank") && adds.contains("erin"), "\(adds)")
        let frankToken = entries.first { $0["action"]?.stringValue == "token.issue" && $0["detail"]?["user"]?.stringValue == "frank" }
        #expect(frankToken != nil, "users add issues a token, audited too")
    }
}
