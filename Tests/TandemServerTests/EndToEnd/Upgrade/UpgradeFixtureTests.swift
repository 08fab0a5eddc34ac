import Foundation
import TandemJSON
@testable import TandemStore
import Testing

extension EndToEnd {
    /// The upgrade guarantee (docs/store.md, "Upgrades"): a database an older tandemd wrote, with real
    /// traffic, opens with today's tandemd, keeps everything, and works. The fixtures were made by older
    /// binaries (Tests/fixtures/upgrade/README.md); each test runs today's tandemd on a copy.
    @Suite("Upgrade from databases older builds wrote") struct UpgradeFixtureTests {
        @Test("today's tandemd migrates an older build's database, keeps every record, works on it, and a second start changes nothing",
              arguments: UpgradeFixture.all)
        func upgrade(fixture: UpgradeFixture) throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-upgrade-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let facts = try fixture.facts()
            // From schema 22 (`importer-process`) a killed import names its process, which is gone: it is
            // reclaimed at once. Before, only silence tells (SessionImport.abandonedAfterMilliseconds:
            // until then an import is only slow, not abandoned).
            if facts["abandoned_import"] != nil, try facts.int("schema") < 22,
               let killed = facts["made_at"]?.intValue, wallMilliseconds() < killed + 11 * 60_000 {
                throw TestFailure("\(fixture) was made less than 11 minutes ago: its killed import counts as abandoned only after 10 minutes")
            }
            let database = try fixture.copy(into: directory)
            let old = try SchemaState.read(database)
            #expect(old.migrations.last?.version == (try facts.int("schema")), "the fixture is at the schema its facts name")
            // Only tandemd upgrades: today's tandem-admin refuses the old file (exit 4) and leaves it as it is.
            // A fixture of today's schema (made by today's build, for the next migration) has nothing to
            // refuse, and tandem-admin would finish its pending delete before tandemd could: not asked.
            if (old.migrations.last?.version ?? 0) < Int64(Migrations.all.last!.version) {
                let refused = try UpgradeAdmin.run(["users", "list", "--db", database, "--json"])
                #expect(refused.status == 4 && refused.stderr.contains("start tandemd of this version once"), "\(refused)")
                #expect(try SchemaState.read(database) == old)
            }

            // First start: migrations run, the owner the old build created is found.
            let first = try TandemdProcess(databasePath: database)
            var firstRunning = true
            defer { if firstRunning { first.stop() } }
            #expect(!first.output.contains("First start"), "the old owner account was found: \(first.output)")
            let credentials = try UpgradeCredentials(facts: facts, port: first.port)
            // A delete the old server left under way (it stopped right after `doomed` was deleted) is
            // finished; an import it was killed in the middle of (not heard from for 10 minutes) is removed.
            #expect(eventually(timeout: 10, every: 0.05) { (try? SchemaState.hiddenSessions(database)) == 0 },
                    "the old build's unfinished delete or import is cleared away")

            try checkRecords(facts, credentials)
            try checkCrashSurvivors(facts, credentials)
            try UpgradeKilledMerge.check(facts, credentials, database: database)
            let counts = try checkOperations(facts, credentials)
            credentials.close()
            first.stop()
            firstRunning = false

            // Today's tandem-admin works on the upgraded file: every user with their working tokens.
            let users = try UpgradeAdmin.run(["users", "list", "--db", database, "--json", "--limit", "1000"])
            #expect(users.status == 0, "\(users)")
            var listed: [String: Int64] = [:]
            for user in try JSONValue(parsing: users.stdout).array("users") { listed[try user.string("id")] = try user.int("active_tokens") }
            var live: [String: Int64] = [:]
            for token in try facts.array("tokens") where token["live"] == true { live[try token.string("user"), default: 0] += 1 }
            #expect(listed == live, "users and their working tokens: \(listed), the old build issued \(live)")

            let upgraded = try SchemaState.read(database)
            #expect(upgraded.migrations.map(\.version) == Migrations.all.map { Int64($0.version) })
            #expect(upgraded.migrations.map(\.name) == Migrations.all.map(\.name))
            #expect(Array(upgraded.migrations.prefix(old.migrations.count)) == old.migrations, "the old build's records are kept as they were")

            // Second start: nothing to migrate (no record added, no DDL: SQLite's schema cookie stays),
            // and the counts the migrations set up hold the quotas exactly (limits = count + 1).
            let limits = ["--max-sessions-per-user", "\(counts.ownerSessions + 1)", "--max-rows-per-session", "\(counts.mainRows + 1)",
                          "--max-comments-per-session", "\(counts.mainComments + 1)", "--max-members-per-session", "2"]
            let second = try TandemdProcess(databasePath: database, arguments: limits)
            var secondRunning = true
            defer { if secondRunning { second.stop() } }
            let owner = try TandemTestClient.connect(port: second.port, .bearer(credentials.ownerToken), label: "owner")
            defer { owner.close() }
            #expect(try UpgradeReads.history(owner, "main").map { $0["content"] } == counts.mainTurns.map { $0["content"] },
                    "main's turns after the second start are those the first left")
            try checkQuotaCounts(owner)
            owner.close()
            second.stop()
            secondRunning = false
            let again = try SchemaState.read(database)
            #expect(again == upgraded, "a second start of today's tandemd migrates nothing")
            for file in [database, database + "-search"] where FileManager.default.fileExists(atPath: file) {
                #expect(try SchemaState.integrity(file) == ["ok"], "\(file) after the upgrade")
            }
        }

        /// Every session, turn, row, comment, checkpoint, member, share link, template, list and search
        /// hit the old build answered, today's answers the same.
        private func checkRecords(_ facts: JSONValue, _ credentials: UpgradeCredentials) throws {
            for fact in try facts.array("sessions") {
                let id = try fact.string("id")
                let client = try credentials.client(try fact.string("as"))
                var expected = fact.objectValue ?? [:]
                expected["id"] = nil
                expected["as"] = nil
                let actual = try UpgradeReads.snapshot(client, id, like: fact)
                let differences = FactDiff.differences(UpgradeProtocolChanges.aligned(.object(expected), schema: try facts.int("schema")),
                                                       UpgradeProtocolChanges.actualAligned(actual), at: id)
                #expect(differences.isEmpty, "\(differences.prefix(12).joined(separator: "\n"))")
            }
            let owner = try credentials.client("owner")
            for (session, document) in facts["exports"]?.objectValue ?? [:] {
                let exported = try owner.ok("session.export", ["session": .string(session)], timeout: 15)["document"]
                let differences = FactDiff.differences(document, exported, at: "export of \(session)")
                #expect(differences.isEmpty, "\(differences.prefix(12).joined(separator: "\n"))")
            }
            // Each user's contributions across sessions (the per-user path), as the per-session facts add up.
            for user in ["alice", "bob"] {
                let sessions = try facts.array("sessions")
                let expected = try sessions.filter { fact in
                    try fact.array("members").contains { $0["user"]?.stringValue == user }
                }.compactMap { fact in try fact.array("contributions").first { $0["user"]?.stringValue == user } }
                let known = Set(sessions.compactMap { $0["id"]?.stringValue })
                let actual = try credentials.client(user).ok("contributions", ["user": .string(user)]).array("contributions")
                    .filter { known.contains($0["session"]?.stringValue ?? "") }
                let key = { (c: JSONValue) in c["session"]?.stringValue ?? "" }
                let differences = FactDiff.differences(.array(expected.sorted { key($0) < key($1) }),
                                                       .array(actual.sorted { key($0) < key($1) }), at: "contributions of \(user)")
                #expect(differences.isEmpty, "\(differences.prefix(8).joined(separator: "\n"))")
            }
            for gone in try facts.array("gone") {
                #expect(try owner.errorCode("session.get", ["session": gone]) == "not_found", "\(gone) stays deleted")
            }
            for (user, ids) in try facts.object("lists").objectValue ?? [:] {
                let client = try credentials.client(user)
                var listed: [JSONValue] = []
                var cursor: JSONValue?
                repeat {
                    var params: [String: JSONValue] = ["limit": 1000]
                    if let cursor { params["cursor"] = cursor }
                    let page = try client.ok("session.list", params)
                    listed += try page.array("sessions").compactMap { $0["id"] }
                    cursor = page["next_cursor"]
                } while cursor != nil
                let sorted = listed.compactMap(\.stringValue).sorted()
                #expect(JSONValue.array(sorted.map { .string($0) }) == ids, "\(user)'s sessions")
            }
            for (user, templates) in try facts.object("templates").objectValue ?? [:] {
                let listed = try credentials.client(user).ok("template.list")["templates"]
                let differences = FactDiff.differences(templates, listed, at: "templates of \(user)")
                #expect(differences.isEmpty, "\(differences)")
            }
            for search in try facts.array("searches") {
                let client = try credentials.client(try search.string("as"))
                let query = try search.string("query")
                let expected = try search.array("hits")
                // An index from before a later build's index changes is rebuilt in the background.
                var hits: [JSONValue] = []
                let found = try eventually(timeout: 30, every: 0.2) {
                    hits = try UpgradeReads.searchHits(client, query)
                    return hits == expected
                }
                #expect(found, "search \(query): \(hits), the old build found \(expected)")
                // A prefix finds what its word found (the prefix index is rebuilt for an old search file).
                if query == "zebrafish" {
                    #expect(eventually(timeout: 30, every: 0.2) { (try? UpgradeReads.searchHits(client, "zebra*")) == expected }, "zebra*")
                }
            }
        }

        /// The fixture whose old server was killed mid-traffic: every post it acknowledged is there, in
        /// place, and the session's turns are numbered without a gap.
        private func checkCrashSurvivors(_ facts: JSONValue, _ credentials: UpgradeCredentials) throws {
            guard let crash = facts["crash"] else { return }
            let owner = try credentials.client("owner")
            let turns = try UpgradeReads.history(owner, try crash.string("session"))
            let seqs = turns.compactMap { $0["seq"]?.intValue }
            #expect(seqs == Array(1...Int64(max(1, seqs.count))), "turns numbered 1...n without a gap")
            let bySeq = Dictionary(uniqueKeysWithValues: turns.compactMap { t in t["seq"]?.intValue.map { ($0, t) } })
            let acked = try crash.array("acked")
            #expect(acked.count >= 50)
            for post in acked {
                let turn = bySeq[try post.int("seq")]
                #expect(turn?["nonce"] == post["nonce"] && turn?["author"] == post["author"], "acknowledged \(post) is \(String(describing: turn))")
            }
        }

        /// What the counts the second start's quotas must match, as the first start left them.
        struct Counts {
            var ownerSessions: Int
            var mainRows: Int
            var mainComments: Int
            var mainTurns: [JSONValue]
        }

        /// Today's operations on the old data: post, history, search, comment, state, merge the open
        /// branch, restore a checkpoint, a session from the old template, resume the paused session.
        private func checkOperations(_ facts: JSONValue, _ credentials: UpgradeCredentials) throws -> Counts {
            let owner = try credentials.client("owner")
            let plan = try facts.object("plan")
            let main = try plan.string("post_to")
            guard let mainFact = try facts.array("sessions").first(where: { $0["id"]?.stringValue == main }) else {
                throw TestFailure("no fact for \(main)")
            }
            let oldHead = try mainFact.object("session").int("head_seq")

            // History by author over old turns (an index migration 14 built for old databases).
            let bobsTurns = try owner.ok("history", ["session": .string(main), "author": "bob", "last": 1000, "include_undone": true])
                .array("turns").map { $0["seq"] }
            let bobsOld = (mainFact["turns"]?.arrayValue ?? []).filter { $0["author"] == "bob" }.map { $0["seq"] }
            #expect(bobsTurns == bobsOld, "bob's turns by author")
            let posted = try owner.ok("turn.post", ["session": .string(main), "content": "after the upgrade: ibex", "nonce": "upgrade-1"])
            #expect(posted["turn"]?["seq"]?.intValue == oldHead + 1, "a post continues the old numbering")
            #expect(try owner.ok("turn.post", ["session": .string(main), "content": "after the upgrade: ibex", "nonce": "upgrade-1"])["duplicate"] == true,
                    "a retried nonce is still recognised")
            #expect(try owner.ok("history", ["session": .string(main), "last": 1]).array("turns").first?["content"] == "after the upgrade: ibex")
            #expect(eventually(timeout: 30, every: 0.2) { (try? UpgradeReads.searchHits(owner, "ibex")) == [.array([.string(main), .integer(oldHead + 1)])] },
                    "a new turn is found by search")
            _ = try owner.ok("comment.add", ["session": .string(main), "seq": 2, "text": "a comment on an old turn"])
            let plan1 = try owner.ok("state.get", ["session": .string(main), "key": "plan"]).array("rows").first
            let version = try plan1?.int("version") ?? 0
            let put = try owner.ok("state.put", ["session": .string(main), "key": "plan", "value": ["after": "upgrade"], "base": .integer(version)])
            #expect(put["outcome"] == "applied" && put["row"]?["version"]?.intValue == version + 1)
            let stale = try owner.ok("state.put", ["session": .string(main), "key": "notes", "value": "line one\nline two\nline three\nline five\n", "base": 1])
            #expect(stale["outcome"] == "conflict" || stale["outcome"] == "merged", "a stale write is merged three-way against the old history: \(stale)")

            // The branch the old build left open merges now; its turn lands after today's post.
            let merged = try owner.ok("branch.merge", ["session": .string(try plan.string("open_branch"))], timeout: 15)
            #expect(merged["merged"] == true, "\(merged)")
            let afterMerge = try owner.ok("history", ["session": .string(main), "last": 1]).array("turns").first
            #expect(afterMerge?["content"] == "branch work: narwhal")
            #expect(try owner.ok("state.get", ["session": .string(main), "key": "branch-only"]).array("rows").first?["value"] == ["from": "open"])

            #expect(try owner.errorCode("branch.merge", ["session": .string(try plan.string("merged_branch"))]) == "conflict",
                    "the branch the old build merged stays merged")
            // A branch of an old session, made and merged today.
            let fork = try owner.ok("branch.create", ["session": .string(main), "branch": "today-fork"]).object("session")
            _ = try owner.ok("turn.post", ["session": .string(try fork.string("id")), "content": "forked today"])
            #expect(try owner.ok("branch.merge", ["session": "today-fork"], timeout: 15)["merged"] == true)
            // A new key respelling an old non-ASCII key (NFD of "clé-ü/東京") is refused: the spelling
            // index covers rows written before it existed.
            #expect(try owner.errorCode("state.put", ["session": .string(main), "key": "cle\u{0301}-u\u{0308}/東京", "value": 1, "base": 0])
                    == "invalid_argument", "an old key's respelling is caught")
            #expect(try owner.errorCode("turn.undo", ["session": "cleared"]) == nil, "the turn posted after the old clear undoes")

            // A checkpoint the old build saved restores: today's turns and the merged ones are rewound.
            let restore = try plan.array("restore")
            let restored = try owner.ok("checkpoint.restore", ["session": restore[0], "name": restore[1]], timeout: 15)
            let live = try owner.ok("history", ["session": .string(main), "last": 1000]).array("turns")
            #expect(live.last?["seq"] == restored["checkpoint"]?["seq"], "after the restore the last live turn is the checkpoint's")
            #expect(try owner.ok("state.get", ["session": .string(main), "key": "branch-only"]).array("rows").first?["value"] == .null,
                    "a row made after the checkpoint comes back as null")

            // The other checkpoints the old build saved: those whose turns are live restore; the one a
            // clear retired the turns of is stale (migration 8 dated the checkpoints saved before it).
            for pair in try plan.array("restorable").compactMap(\.arrayValue) {
                #expect(try owner.errorCode("checkpoint.restore", ["session": pair[0], "name": pair[1]], timeout: 15) == nil, "\(pair) restores")
            }
            let stalePair = try plan.array("stale")
            #expect(try owner.errorCode("checkpoint.restore", ["session": stalePair[0], "name": stalePair[1]]) == "stale_checkpoint")

            // The old template makes a session with main's rows as they were.
            let fromTemplate = try owner.ok("template.create_session", ["template": .string(try plan.string("template")), "session": "after-upgrade"])
            #expect(fromTemplate["session"]?["id"] == "after-upgrade")
            let templateRows = try owner.ok("state.get", ["session": "after-upgrade"]).array("rows").map { $0["key"] }
            #expect(templateRows == (mainFact["rows"]?.arrayValue ?? []).map { $0["key"] })

            // Statuses carried over: paused refuses posts until resumed, archived refuses them for good.
            #expect(try owner.errorCode("turn.post", ["session": "paused", "content": "x"]) == "session_paused")
            _ = try owner.ok("session.resume", ["session": "paused"])
            _ = try owner.ok("turn.post", ["session": "paused", "content": "resumed after the upgrade"])
            #expect(try owner.errorCode("turn.post", ["session": "archived", "content": "x"]) == "session_archived")
            // The import the old build was killed in the middle of is gone, and its id free.
            if let abandoned = facts["abandoned_import"] {
                #expect(try owner.errorCode("session.get", ["session": abandoned]) == "not_found")
                #expect(try owner.errorCode("session.create", ["session": abandoned]) == nil, "the half-imported id is free")
            }
            // A deleted session's id makes a new, empty session: nothing of the old one comes back.
            for gone in try facts.array("gone").compactMap(\.stringValue) {
                _ = try owner.ok("session.create", ["session": .string(gone)])
                #expect(try owner.ok("history", ["session": .string(gone), "include_undone": true]).array("turns").isEmpty,
                        "\(gone) starts empty")
                #expect(try owner.ok("state.get", ["session": .string(gone)]).array("rows").isEmpty)
            }
            // A client that knew the old session under that id and resumes is told to start over.
            for (gone, created) in facts["gone_created"]?.objectValue ?? [:] {
                #expect(try owner.errorCode("session.join", ["session": .string(gone), "since": 1, "created": created]) == "resync_required")
            }
            // Old sessions still export and import.
            let document = try owner.ok("session.export", ["session": .string(main)], timeout: 15).object("document")
            _ = try owner.ok("session.import", ["document": document, "session": "reimported"], timeout: 15)

            // The counts the second start checks.
            var ownerSessions = 0
            var cursor: JSONValue?
            repeat {
                var params: [String: JSONValue] = ["limit": 1000]
                if let cursor { params["cursor"] = cursor }
                let page = try owner.ok("session.list", params)
                ownerSessions += try page.array("sessions").filter { $0["owner"] == "owner" }.count
                cursor = page["next_cursor"]
            } while cursor != nil
            let rows = try UpgradeReads.pages(owner, "state.get", "rows", cursorParam: "after", ["session": .string(main), "limit": 1000]) { $0["key"] }
            let comments = try UpgradeReads.pages(owner, "comment.list", "comments", cursorParam: "after", ["session": .string(main)]) { $0["id"] }
            return Counts(ownerSessions: ownerSessions, mainRows: rows.count, mainComments: comments.count,
                          mainTurns: try UpgradeReads.history(owner, main))
        }

        /// With each quota at count + 1, one more is allowed and the next refused: the per-owner and
        /// per-session counts the migrations derived from the old rows are exact.
        private func checkQuotaCounts(_ owner: TandemTestClient) throws {
            _ = try owner.ok("session.create", ["session": "one-more"])
            #expect(try owner.errorCode("session.create", ["session": "two-more"]) == "limit_exceeded", "sessions per user counted exactly")
            _ = try owner.ok("state.put", ["session": "main", "key": "one-more", "value": 1, "base": 0])
            #expect(try owner.errorCode("state.put", ["session": "main", "key": "two-more", "value": 1, "base": 0]) == "limit_exceeded",
                    "rows per session counted exactly")
            _ = try owner.ok("comment.add", ["session": "main", "seq": 1, "text": "one more"])
            #expect(try owner.errorCode("comment.add", ["session": "main", "seq": 1, "text": "two more"]) == "limit_exceeded",
                    "comments per session counted exactly")
            // `cleared` has one member, its owner (the old build made it so).
            _ = try owner.ok("member.add", ["session": "cleared", "user": "bob", "role": "read"])
            #expect(try owner.errorCode("member.add", ["session": "cleared", "user": "carol", "role": "read"]) == "limit_exceeded",
                    "members per session counted exactly")
        }
    }
}
