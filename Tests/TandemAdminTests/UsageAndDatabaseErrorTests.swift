import Foundation
import Testing
import TandemJSON
import TandemStore

@Suite struct UsageAndDatabaseErrorTests {
    @Test func helpDocumentsTheExitCodesAndUsageErrorsExitOne() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        let help = try f.run(["--help"], withDB: false)
        expectStatus(help, 0)
        for text in ["Exit codes", "4  database error", "users", "tokens", "grant", "share", "sessions", "backup", "purge", "audit"] {
            #expect(help.stdout.contains(text), "help lacks \(text)")
        }
        let version = try f.run(["--version"], withDB: false)
        expectStatus(version, 0)
        #expect(version.stdout.wholeMatch(of: /\d+\.\d+\.\d+\n/) != nil, "\(version.stdout)")
        #expect(!FileManager.default.fileExists(atPath: f.db), "--version opens no database")
        let bare = try f.run([], withDB: false)
        expectStatus(bare, 1)
        #expect(bare.stderr.hasPrefix("error: no command given"), "\(bare.stderr)")
        #expect(bare.stderr.contains("SUBCOMMANDS") && bare.stdout.isEmpty, "the help goes to stderr")
        #expect(!FileManager.default.fileExists(atPath: f.db), "no command opens no database")
        let unknown = try f.run(["frobnicate"], withDB: false)
        expectStatus(unknown, 1)
        #expect(!unknown.stderr.isEmpty)
        expectStatus(try f.run(["users", "list", "--bogus"]), 1)
        expectStatus(try f.run(["grant"]), 1)
        expectStatus(try f.run(["share", "create"]), 1)
        expectStatus(try f.run(["revoke", "bob"]), 1)
    }

    @Test func idsStartingWithADashGoAfterDoubleDash() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        try f.seed { store in _ = try store.createSession(id: "-dash", title: "Dash", owner: "alice") }
        let show = try f.run(["sessions", "show", "--json", "--", "-dash"])
        expectStatus(show, 0)
        #expect(try show.json()["title"]?.stringValue == "Dash")
        expectStatus(try f.run(["grant", "bob", "--", "-dash", "write"]), 0)
        #expect(try f.seed { store in try store.role(session: "-dash", user: "bob") } == .write)
        #expect(try f.run(["--help"], withDB: false).stdout.contains("after '--'"))
        // The database may also be named before the subcommand.
        let before = try f.run(["--db", f.db, "sessions", "show", "--json", "--", "-dash"], withDB: false)
        expectStatus(before, 0)
        #expect(try before.json()["title"]?.stringValue == "Dash")
        expectStatus(try f.run(["--db=\(f.db)", "users", "list"], withDB: false), 0)
    }

    @Test func aMissingDatabaseIsNotCreatedByAccident() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        let missing = try f.run(["users", "list"])
        expectStatus(missing, 4)
        #expect(missing.stderr.contains("no database at") && missing.stderr.contains("--create"))
        #expect(!FileManager.default.fileExists(atPath: f.db))
        // The environment names the database when --db is absent; the default is ./tandem.db.
        try f.seedStandard()
        let env = try f.run(["users", "list", "--json"], withDB: false, env: ["TANDEM_DB": f.db])
        expectStatus(env, 0)
        #expect(try env.json()["users"]?.arrayValue?.count == 4)
        let cwd = try f.run(["sessions", "list"], withDB: false)
        expectStatus(cwd, 0)
        #expect(cwd.rows.map { $0[0] } == ["s1"])
    }

    @Test func anEmptyFileOrADirectoryIsNotMadeADatabase() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        // A typo naming an empty file: refused, and the file stays empty (SQLite would make it a database).
        _ = FileManager.default.createFile(atPath: f.db, contents: Data())
        for args in [["users", "list"], ["users", "add", "dave"], ["backup", f.dir + "/copy.db"]] {
            let result = try f.run(args)
            expectStatus(result, 4)
            #expect(result.stderr.contains("is an empty file, not a database") && result.stderr.contains("--create"), "\(result.stderr)")
            #expect(try FileManager.default.attributesOfItem(atPath: f.db)[.size] as? Int == 0, "\(args) wrote the file")
        }
        #expect(!FileManager.default.fileExists(atPath: f.dir + "/copy.db"))
        // --create makes the database there.
        expectStatus(try f.run(["users", "add", "dave", "--create"]), 0)
        expectStatus(try f.run(["users", "list"]), 0)

        let directory = try f.run(["users", "list", "--db", f.dir], withDB: false)
        expectStatus(directory, 4)
        #expect(directory.stderr.contains("is a directory; pass the database file, e.g. --db \(f.dir)/tandem.db"), "\(directory.stderr)")
    }

    @Test func unreadableAndTooNewDatabasesExitFour() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        _ = FileManager.default.createFile(atPath: f.db, contents: Data(repeating: 0x41, count: 8192))
        let garbage = try f.run(["users", "list"])
        expectStatus(garbage, 4)
        #expect(garbage.stderr.contains("cannot open database"))
        try FileManager.default.removeItem(atPath: f.db)

        try f.seed { store in
            _ = try store.writer.perform { ctx throws(StoreError) in
                try ctx.db.run("INSERT INTO schema_migrations(version, name, applied_at) VALUES (999, 'from the future', 0)")
            }
        }
        let tooNew = try f.run(["users", "list"])
        expectStatus(tooNew, 4)
        #expect(tooNew.stderr.contains("newer") && tooNew.stderr.contains("for tandem-admin: use the one of that Tandem version"))
        #expect(tooNew.stderr.components(separatedBy: "written by a newer Tandem").count == 2, "said once: \(tooNew.stderr)")
        #expect(!tooNew.stderr.contains("Fatal error") && !tooNew.stderr.contains("Stack"))
    }

    /// A database with a one-character name that does not open (here: not a database) crashed
    /// tandem-admin (Foundation's `deletingLastPathComponent` traps on it) instead of exiting 4.
    @Test func aOneCharacterDatabaseNameThatDoesNotOpenExitsFour() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        _ = FileManager.default.createFile(atPath: f.dir + "/g", contents: Data(repeating: 0x41, count: 8192))
        let result = try runAdmin(["users", "list", "--db", "g"], in: f.dir)
        expectStatus(result, 4)
        #expect(result.stderr.contains("cannot open database 'g'"), "\(result.stderr)")
    }

    @Test func everyListingHasOneJSONDocument() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let listings: [([String], String)] = [
            (["users", "list"], "users"), (["tokens", "list"], "tokens"), (["members", "s1"], "members"),
            (["share", "list"], "shares"), (["sessions", "list"], "sessions"), (["contributions", "s1"], "contributions"),
            (["audit"], "audit"),
        ]
        for (args, key) in listings {
            let result = try f.run(args + ["--json"])
            expectStatus(result, 0)
            let doc = try result.json()
            #expect(doc[key]?.arrayValue != nil, "\(args) --json has no \(key) array: \(result.stdout)")
        }
        #expect(try f.run(["sessions", "show", "s1", "--json"]).json()["id"]?.stringValue == "s1")
    }
}
