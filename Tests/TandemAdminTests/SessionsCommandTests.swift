import Foundation
import Testing
import TandemJSON
import TandemStore

@Suite struct SessionsCommandTests {
    @Test func listShowArchiveDelete() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        try f.seed { store in
            _ = try store.createSession(id: "s2", title: "Retro", owner: "bob")
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "hi"))
        }
        let list = try f.run(["sessions", "list", "--json"])
        expectStatus(list, 0)
        let sessions = try #require(try list.json()["sessions"]?.arrayValue)
        #expect(Set(sessions.compactMap { $0["id"]?.stringValue }) == ["s1", "s2"])
        #expect(sessions.first { $0["id"]?.stringValue == "s1" }?["last_turn_seq"]?.intValue == 1)
        #expect(try f.run(["sessions", "list", "--member", "carol"]).rows.map { $0[0] } == ["s1"])
        // One at a time: the next cursor continues the list, past any --limit.
        let first = try f.run(["sessions", "list", "--limit", "1", "--json"]).json()
        let next = try #require(first["next"]?.stringValue)
        let second = try f.run(["sessions", "list", "--limit", "1", "--after", next, "--json"]).json()
        #expect(second["next"] == nil && second["more"] == false)
        let pages: [JSONValue] = (first["sessions"]?.arrayValue ?? []) + (second["sessions"]?.arrayValue ?? [])
        #expect(Set(pages.compactMap { $0["id"]?.stringValue }) == ["s1", "s2"])
        #expect(try f.run(["sessions", "list", "--limit", "1"]).stderr.contains("--after"))

        let show = try f.run(["sessions", "show", "s1", "--json"])
        expectStatus(show, 0)
        let doc = try show.json()
        #expect(doc["title"]?.stringValue == "Planning" && doc["owner"]?.stringValue == "alice")
        #expect(doc["members"]?.arrayValue?.count == 3)
        let plain = try f.run(["sessions", "show", "s1"])
        #expect(plain.stdout.contains("title:") && plain.stdout.contains("Planning") && plain.stdout.contains("bob (write)"))

        expectStatus(try f.run(["sessions", "archive", "s2", "--yes"]), 0)
        #expect(try f.seed { store in try store.session(id: "s2").status } == .archived)
        expectStatus(try f.run(["sessions", "archive", "s2", "--yes"]), 3)
        #expect(try f.run(["sessions", "list", "--status", "archived"]).rows.map { $0[0] } == ["s2"])
        expectStatus(try f.run(["sessions", "list", "--status", "gone"]), 1)
        expectStatus(try f.run(["sessions", "list", "--limit", "0"]), 1)

        let unconfirmed = try f.run(["sessions", "delete", "s2"])
        expectStatus(unconfirmed, 1)
        #expect(unconfirmed.stderr.contains("--yes"))
        expectStatus(try f.run(["sessions", "delete", "s2", "--yes"]), 0)
        let gone = try f.run(["sessions", "show", "s2"])
        expectStatus(gone, 2)
        #expect(gone.stderr.contains("no session 's2'; list sessions with: tandem-admin sessions list"))
        expectStatus(try f.run(["sessions", "delete", "s2", "--yes"]), 2)
        expectStatus(try f.run(["sessions", "archive", "s2", "--yes"]), 2)
        #expect(try f.seed { store in try store.auditLog().prefix(2).map(\.action) } == ["session.delete", "session.archive"])
    }

    @Test func exportImportRoundTrip() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        try f.seed { store in
            let turn = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "draft plan", tokensIn: 5))
            _ = try store.addComment(session: "s1", actor: "alice", turnSeq: turn.seq, body: "looks good")
        }
        let original = try f.seed { store in try store.adminExportSession(id: "s1").serialized() }
        let file = f.dir + "/s1.json"
        let export = try f.run(["sessions", "export", "s1", "-o", file])
        expectStatus(export, 0)
        let stdout = try f.run(["sessions", "export", "s1"])
        #expect(stdout.stdout == original + "\n")
        #expect(String(decoding: try #require(FileManager.default.contents(atPath: file)), as: UTF8.self) == original + "\n")

        let clash = try f.run(["sessions", "import", file])
        expectStatus(clash, 3)
        #expect(clash.stderr.contains("already exists"))
        expectStatus(try f.run(["sessions", "delete", "s1", "--yes"]), 0)
        let imported = try f.run(["sessions", "import", file])
        expectStatus(imported, 0)
        #expect(imported.stdout.contains("imported session s1 (1 turns)"))
        // The same document, but for `created`: one millisecond on from the deleted session's, which
        // tells clients that still follow that one to resync; and `updated`, the import's own stamp
        // (its audit entry's time), so that pollers' `updated_since` finds it.
        let restored = try f.seed { store in try store.adminExportSession(id: "s1") }
        let importedAt = try f.seed { store in try store.auditLog(session: "s1", limit: 1).first { $0.action == "session.import" }?.at }
        let document = try JSONValue(parsing: original)
        let created = try #require(document["session"]?["created_at"]?.intValue)
        #expect(restored["session"]?["created_at"] == .integer(created + 1))
        #expect(restored["session"]?["updated_at"] == importedAt.map { .integer($0) })
        guard case .object(var top) = restored, case .object(var session)? = top["session"] else { Issue.record("no session"); return }
        session["created_at"] = .integer(created)
        session["updated_at"] = document["session"]?["updated_at"]
        top["session"] = .object(session)
        #expect(JSONValue.object(top).serialized() == original)
        // stdin and a new id.
        let copy = try f.run(["sessions", "import", "-", "--as", "s1-copy"], stdin: original)
        expectStatus(copy, 0)
        #expect(try f.seed { store in try store.session(id: "s1-copy").lastTurnSeq } == 1)

        _ = FileManager.default.createFile(atPath: f.dir + "/bad.json", contents: Data("{not json".utf8))
        expectStatus(try f.run(["sessions", "import", f.dir + "/bad.json"]), 1)
        _ = FileManager.default.createFile(atPath: f.dir + "/other.json", contents: Data(#"{"format":"x"}"#.utf8))
        expectStatus(try f.run(["sessions", "import", f.dir + "/other.json"]), 1)
        expectStatus(try f.run(["sessions", "import", f.dir + "/missing.json"]), 1)
        _ = FileManager.default.createFile(atPath: f.dir + "/empty.json", contents: Data()) // nothing to map
        let empty = try f.run(["sessions", "import", f.dir + "/empty.json"])
        expectStatus(empty, 1)
        #expect(empty.stderr.contains("invalid_json") || empty.stderr.contains("export document"), "\(empty.stderr)")
        expectStatus(try f.run(["sessions", "export", "nope"]), 2)
        // A failed export leaves no file behind, partial or whole; a file it would replace is kept.
        expectStatus(try f.run(["sessions", "export", "nope", "-o", f.dir + "/nope.json"]), 2)
        expectStatus(try f.run(["sessions", "export", "nope", "-o", file, "--force"]), 2)
        #expect(String(decoding: try #require(FileManager.default.contents(atPath: file)), as: UTF8.self) == original + "\n")
        let left = try FileManager.default.contentsOfDirectory(atPath: f.dir)
        #expect(!left.contains("nope.json") && !left.contains { $0.contains(".partial-") }, "\(left)")
        let unwritable = try f.run(["sessions", "export", "s1", "-o", f.dir + "/no-such-dir/s1.json"])
        expectStatus(unwritable, 1)
        #expect(unwritable.stderr.contains("cannot write '\(f.dir)/no-such-dir/s1.json'"))
    }

    @Test func exportRefusesToReplaceAFileUnlessForced() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let notes = f.dir + "/notes.txt"
        #expect(FileManager.default.createFile(atPath: notes, contents: Data("precious notes\n".utf8)))
        // Refused like backup (exit 3, the same message), and the file is left as it was.
        let refused = try f.run(["sessions", "export", "s1", "-o", notes])
        expectStatus(refused, 3)
        #expect(refused.stderr.contains("'\(notes)' exists; choose another name or add --force"), "\(refused.stderr)")
        #expect(String(decoding: try #require(FileManager.default.contents(atPath: notes)), as: UTF8.self) == "precious notes\n")
        let original = try f.seed { store in try store.adminExportSession(id: "s1").serialized() }
        expectStatus(try f.run(["sessions", "export", "s1", "--output", notes, "--force"]), 0)
        #expect(String(decoding: try #require(FileManager.default.contents(atPath: notes)), as: UTF8.self) == original + "\n")
        // A new file needs no flag, and --help says so.
        expectStatus(try f.run(["sessions", "export", "s1", "-o", f.dir + "/new.json"]), 0)
        let help = try f.run(["sessions", "export", "--help"])
        expectStatus(help, 0)
        #expect(help.stdout.contains("--force") && help.stdout.contains("unless --force"), "\(help.stdout)")
    }

    @Test func contributionsTable() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        try f.seed { store in
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "a", tokensIn: 7, tokensOut: 2))
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "b"))
            _ = try store.appendTurn(session: "s1", actor: "alice", NewTurn(role: .user, content: "c"))
        }
        let table = try f.run(["contributions", "s1"])
        expectStatus(table, 0)
        let bob = try #require(table.rows.first { $0[0] == "bob" })
        #expect(Array(bob.prefix(4)) == ["bob", "2", "7", "2"])
        #expect(table.rows.first { $0[0] == "alice" }?[1] == "1")
        let json = try f.run(["contributions", "s1", "--json"])
        let rows = try #require(try json.json()["contributions"]?.arrayValue)
        #expect(rows.first { $0["user"]?.stringValue == "bob" }?["turns"]?.intValue == 2)
        expectStatus(try f.run(["contributions", "nope"]), 2)
        expectStatus(try f.run(["contributions"]), 1)
    }

    @Test func backupIsAConsistentDatabaseWithTheSameSessions() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        try f.seed { store in
            _ = try store.createSession(id: "s2", title: "Retro", owner: "bob")
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "kept"))
        }
        let copy = f.dir + "/backup.db"
        expectStatus(try f.run(["backup", copy]), 0)
        let original = try f.seed { store in try store.listSessions(SessionFilter()).sessions }
        let backup = try Store(path: copy)
        defer { backup.close() }
        #expect(try backup.listSessions(SessionFilter()).sessions == original)
        #expect(try backup.exportSessionText(id: "s1", actor: "alice").contains("kept"))
        let again = try f.run(["backup", copy])
        expectStatus(again, 3)
        #expect(again.stderr.contains("--force"))
        expectStatus(try f.run(["backup", copy, "--force"]), 0)
        expectStatus(try f.run(["backup", f.dir + "/no/such/dir/b.db"]), 4)
        // A failed backup leaves the file it would have replaced as it was.
        let kept = try Data(contentsOf: URL(fileURLWithPath: copy))
        expectStatus(try f.run(["backup", copy, "--force"], withDB: false, env: ["TANDEM_DB": f.dir + "/missing.db"]), 4)
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == kept)
    }

    @Test func nothingIsWrittenOverTheDatabaseOrItsFiles() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let original = try f.seed { store in try store.listSessions(SessionFilter()).sessions }
        // The database itself (also by another name), its WAL and search file, and a directory.
        try FileManager.default.createSymbolicLink(atPath: f.dir + "/alias.db", withDestinationPath: f.db)
        #expect(FileManager.default.createFile(atPath: f.db + "-wal", contents: Data()))
        try FileManager.default.createDirectory(atPath: f.dir + "/keep", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: f.dir + "/keep/x", contents: Data("x".utf8)))
        for target in [f.db, f.dir + "/alias.db", f.dir + "/./tandem.db", f.db + "-wal", f.db + "-search", f.db + "-lock", f.db + "-writers"] {
            let backup = try f.run(["backup", target, "--force"])
            expectStatus(backup, 1)
            #expect(backup.stderr.contains("database"), "\(target): \(backup.stderr)")
            expectStatus(try f.run(["sessions", "export", "s1", "-o", target]), 1)
        }
        let directory = try f.run(["backup", f.dir + "/keep", "--force"])
        expectStatus(directory, 1)
        #expect(directory.stderr.contains("is a directory"))
        #expect(FileManager.default.fileExists(atPath: f.dir + "/keep/x"))
        #expect(try f.seed { store in try store.listSessions(SessionFilter()).sessions } == original)
    }

    @Test func purgeDeletesOnlySessionsArchivedLongEnoughAgo() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        let day: Int64 = 86_400_000
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        // Oldest first: the times a store writes never go below those already in the file.
        try f.seed(clock: { now - 100 * day }) { store in
            _ = try store.createUser(id: "zed", displayName: "Zed")
            _ = try store.createSession(id: "old", title: "Old", owner: "zed")
            _ = try store.adminArchiveSession(id: "old")
        }
        try f.seed(clock: { now - 10 * day }) { store in
            _ = try store.createSession(id: "recent", title: "Recent", owner: "zed")
            _ = try store.adminArchiveSession(id: "recent")
        }
        try f.seedStandard()
        let unconfirmed = try f.run(["purge", "--archived-older-than", "90d"])
        expectStatus(unconfirmed, 1)
        #expect(unconfirmed.stderr.contains("--yes"))
        let purge = try f.run(["purge", "--archived-older-than", "90d", "--yes", "--json"])
        expectStatus(purge, 0)
        #expect(try purge.json()["purged"] == ["old"])
        let ids = try f.seed { store in try store.listSessions(SessionFilter()).sessions.map(\.id) }
        #expect(Set(ids) == ["s1", "recent"])
        #expect(try f.run(["purge", "--archived-older-than", "90d", "--yes"]).stdout.contains("nothing to purge"))
        expectStatus(try f.run(["purge", "--archived-older-than", "90y", "--yes"]), 1)
        expectStatus(try f.run(["purge"]), 1)
        #expect(try f.seed { store in try store.auditLog().first }?.action == "session.purge")
    }
}
