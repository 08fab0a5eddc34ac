import Foundation
import Testing
import TandemJSON
import TandemStore

/// The subcommands that manage sessions rather than post to them, run as the real binary against a
/// real server: each one doing its job, and each refusal with its documented status.
extension TandemCLIScriptTests {
    func lines(_ run: CLIFixture.Run) throws -> [JSONValue] {
        try run.stdout.split(separator: "\n").map { try JSONValue(parsing: String($0)) }
    }

    @Test func infoUpdateAndTheLifecycleOfASession() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        let info = try f.run(["info", "s1"], as: "carol")
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("title:     Design review\n"))
        #expect(info.stdout.contains("your role: read\n"))

        let update = try f.run(["update", "s1", "--title", "Design review (final)", "--metadata", #"{"team":"core"}"#])
        #expect(update.status == 0 && update.stdout == "s1 updated\n", "\(update.stderr)")
        let json = try JSONValue(parsing: try f.run(["info", "s1", "--json"]).stdout)
        #expect(json["title"]?.stringValue == "Design review (final)")
        #expect(json["metadata"]?["team"]?.stringValue == "core")
        let nothing = try f.run(["update", "s1"])
        #expect(nothing.status == 1 && nothing.stderr == "tandem: nothing to update: give --title and/or --metadata\n")
        let notObject = try f.run(["update", "s1", "--metadata", "[1]"])
        #expect(notObject.status == 1 && notObject.stderr.contains("must be a JSON object"))
        #expect(try f.run(["create", "Other", "--id", "other"]).status == 0)
        let core = try f.run(["sessions", "--metadata", #"{"team":"core"}"#])
        #expect(core.stdout.contains("s1") && !core.stdout.contains("other"), "\(core.stdout)")
        #expect(try f.run(["sessions", "--metadata", #"{"team":"web"}"#]).stderr == "no sessions match\n")
        let shared = try f.run(["sessions", "--member", "carol", "--json"])
        #expect(try lines(shared).compactMap { $0["id"]?.stringValue } == ["s1"], "carol is not in 'other'")
        let bobRenames = try f.run(["update", "s1", "--title", "mine"], as: "bob")
        #expect(bobRenames.status == 3 && bobRenames.stderr.hasPrefix("tandem: forbidden:"))

        // A reader may not pause; an unknown session is not found; the owner pauses, and writes stop.
        let carolPauses = try f.run(["pause", "s1"], as: "carol")
        #expect(carolPauses.status == 3 && carolPauses.stderr.hasPrefix("tandem: forbidden:"))
        #expect(carolPauses.stderr.split(separator: "\n").count == 1)
        let unknown = try f.run(["pause", "nope"])
        #expect(unknown.status == 2 && unknown.stderr.hasPrefix("tandem: not_found:"))
        #expect(try f.run(["pause", "s1"]).stdout == "s1 paused\n")
        let paused = try f.run(["post", "s1", "while paused"], as: "bob")
        #expect(paused.status == 3 && paused.stderr.hasPrefix("tandem: session_paused:"))
        #expect(try f.run(["resume", "s1"]).stdout == "s1 active\n")
        #expect(try f.run(["post", "s1", "resumed"], as: "bob").status == 0)

        // Archiving is final: resuming it is refused.
        #expect(try f.run(["create", "Old", "--id", "old"]).status == 0)
        #expect(try f.run(["archive", "old"]).stdout == "old archived\n")
        let revive = try f.run(["resume", "old"])
        #expect(revive.status == 3 && revive.stderr.hasPrefix("tandem: session_archived:"))

        // Deleting needs --yes (nothing is sent without it) and the owner.
        let unconfirmed = try f.run(["delete", "old"])
        #expect(unconfirmed.status == 1 && unconfirmed.stderr.contains("add --yes to confirm"))
        #expect(try f.run(["info", "old"]).status == 0, "still there")
        _ = try f.server.store.setMember(session: "old", actor: "alice", user: "bob", role: .admin)
        let byAdmin = try f.run(["delete", "old", "--yes"], as: "bob")
        #expect(byAdmin.status == 3 && byAdmin.stderr.hasPrefix("tandem: forbidden:"))
        let deleted = try f.run(["delete", "old", "--yes"])
        #expect(deleted.status == 0 && deleted.stdout == "old deleted\n", "\(deleted.stderr)")
        #expect(try f.run(["info", "old"]).status == 2)
    }

    @Test func searchCommentsAndCheckpoints() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        _ = try f.run(["post", "s1", "how do we merge conflicting rows"])
        _ = try f.run(["create", "Private", "--id", "bobs"], as: "bob")
        _ = try f.run(["post", "bobs", "merge plans of bob"], as: "bob")

        let search = try f.run(["search", "merge"], as: "carol")
        #expect(search.status == 0, "\(search.stderr)")
        #expect(search.stdout == "s1 #1 Design review: how do we [merge] conflicting rows\n", "only her sessions")
        let hits = try lines(try f.run(["search", "merge", "--json"], as: "bob"))
        #expect(Set(hits.compactMap { $0["session"]?["id"]?.stringValue }) == ["s1", "bobs"])
        #expect(hits.allSatisfy { $0["seq"]?.intValue == 1 && $0["snippet"]?.stringValue?.contains("[merge]") == true })
        #expect(try f.run(["search", "merge", "conflicting"]).stdout.contains("s1 #1"), "several words are one query")
        #expect(try f.run(["search", "merge", "--status", "archived"]).stdout.isEmpty)
        let badQuery = try f.run(["search", "--", "-merge"])
        #expect(badQuery.status == 1 && badQuery.stderr.hasPrefix("tandem: invalid_argument:"))
        #expect(try f.run(["search", "x", "--status", "gone"]).status == 1)

        _ = try f.server.store.addComment(session: "s1", actor: "bob", turnSeq: 1, body: "Which rows?")
        _ = try f.run(["post", "s1", "second"])
        _ = try f.server.store.addComment(session: "s1", actor: "alice", turnSeq: 2, body: "ok")
        let comments = try f.run(["comments", "s1"], as: "carol")
        #expect(comments.status == 0, "\(comments.stderr)")
        let commentLines = comments.stdout.split(separator: "\n")
        #expect(commentLines.count == 2)
        #expect(commentLines[0].hasSuffix("#1 bob: Which rows?"))
        let onTwo = try lines(try f.run(["comments", "s1", "--seq", "2", "--json"]))
        #expect(onTwo.map { $0["text"]?.stringValue } == ["ok"])
        #expect(try f.run(["comments", "nope"]).status == 2)

        #expect(try f.run(["checkpoints", "s1"]).stdout.isEmpty)
        _ = try f.server.store.saveCheckpoint(session: "s1", actor: "alice", name: "before-merge")
        let checkpoints = try f.run(["checkpoints", "s1"], as: "carol")
        #expect(checkpoints.stdout.split(separator: "\n").last?.hasPrefix("before-merge  #2") == true, "\(checkpoints.stdout)")
        let json = try lines(try f.run(["checkpoints", "s1", "--json"]))
        #expect(json.map { $0["name"]?.stringValue } == ["before-merge"])
        #expect(try f.run(["checkpoints", "nope"]).status == 2)
    }

    @Test func templatesAndImport() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        _ = try f.run(["post", "s1", "kept by the export"])
        // Connection flags first, as people type them: `template save` still parses.
        let saved = try f.run(["template", "save", "s1", "retro"])
        #expect(saved.status == 0 && saved.stdout == "retro\n", "\(saved.stderr)")
        let bobSaves = try f.run(["template", "save", "s1", "mine"], as: "bob")
        #expect(bobSaves.status == 3 && bobSaves.stderr.hasPrefix("tandem: forbidden:"))
        #expect(try f.run(["templates"]).stdout.contains("retro  s1"))
        #expect(try lines(try f.run(["templates", "--json"])).map { $0["name"]?.stringValue } == ["retro"])
        #expect(try f.run(["templates"], as: "bob").stdout.isEmpty, "templates are their saver's")

        let created = try f.run(["create", "--template", "retro", "Week 48"])
        #expect(created.status == 0, "\(created.stderr)")
        let id = created.stdout.trimmingCharacters(in: .newlines)
        let info = try JSONValue(parsing: try f.run(["info", id, "--json"]).stdout)
        #expect(info["title"]?.stringValue == "Week 48" && info["role"]?.stringValue == "owner")
        #expect(try f.run(["info", id], as: "bob").stdout.contains("your role: write"), "the template's members come along")
        let missing = try f.run(["create", "--template", "nope"])
        #expect(missing.status == 2 && missing.stderr.hasPrefix("tandem: not_found:"))
        // A chosen id: a retry of the same create is refused, not a second session.
        let withID = try f.run(["create", "--template", "retro", "--id", "week-49"])
        #expect(withID.status == 0 && withID.stdout == "week-49\n", "\(withID.stderr)")
        let again = try f.run(["create", "--template", "retro", "--id", "week-49"])
        #expect(again.status == 3 && again.stderr.hasPrefix("tandem: already_exists:"))
        let badID = try f.run(["create", "--template", "retro", "--id", "week 49"])
        #expect(badID.status == 1 && badID.stderr.contains("1-64 characters"), "\(badID.stderr)")
        #expect(try f.run(["create"]).status == 1)

        // Import: from a file and from stdin; the importer owns the copy.
        let document = try f.run(["export", "s1"]).stdout
        let file = f.directory.appendingPathComponent("s1.json").path
        try document.write(toFile: file, atomically: true, encoding: .utf8)
        let imported = try f.run(["import", file, "--id", "copy"], as: "carol")
        #expect(imported.status == 0 && imported.stdout == "copy\n", "\(imported.stderr)")
        // Others' records stay, marked as imported (carol cannot make alice say anything).
        #expect(try f.run(["history", "copy"], as: "carol").stdout.contains("alice@import (user): kept by the export"))
        #expect(try f.run(["info", "copy"], as: "carol").stdout.contains("your role: owner"))
        let piped = try f.run(["import", "-", "--id", "copy2"], stdin: document)
        #expect(piped.status == 0 && piped.stdout == "copy2\n", "\(piped.stderr)")
        let taken = try f.run(["import", file, "--id", "copy"])
        #expect(taken.status == 3 && taken.stderr.hasPrefix("tandem: already_exists:"))
        #expect(taken.stderr.hasSuffix("; import it under another id with --id NEW_ID\n"), "\(taken.stderr)")
        let garbage = try f.run(["import", "-"], stdin: "not json")
        #expect(garbage.status == 1 && garbage.stderr.contains("standard input is not a JSON export document"))
        #expect(try f.run(["import", "/nonexistent.json"]).stderr == "tandem: cannot read /nonexistent.json: no such file\n")
        #expect(try f.run(["import", f.directory.path]).stderr == "tandem: cannot read \(f.directory.path): not readable, or a directory\n")
    }

    @Test func shareLinksAreCreatedListedAndRevoked() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        _ = try f.run(["post", "s1", "for viewers"])
        let share = try f.run(["share", "s1", "--expires", "1d"])
        #expect(share.status == 0, "\(share.stderr)")
        let link = share.stdout.trimmingCharacters(in: .newlines)
        #expect(link.hasPrefix("http://127.0.0.1:\(f.port)/s/"))
        #expect(try f.run(["RAW", "history", "s1", "--url", link]).stdout.contains("for viewers"))
        // whoami: the user the token is, a share link's viewer, a refused token.
        #expect(try f.run(["whoami"], as: "bob").stdout == "bob at \(f.url)\n")
        let viewer = try f.run(["RAW", "whoami", "--url", link])
        #expect(viewer.stdout == "viewer (share link) at http://127.0.0.1:\(f.port)\n", "the secret is not printed: \(viewer.stdout)")
        let refused = try f.run(["whoami", "--token", "tdm_not_a_token"], as: nil)
        #expect(refused.status == 4, "\(refused.stderr)")

        let created = try JSONValue(parsing: try f.run(["share", "s1", "--json"]).stdout)
        #expect(created["url"]?.stringValue?.hasPrefix("http://127.0.0.1:\(f.port)/s/") == true)
        let expires = created["expires"]?.intValue ?? 0
        let weekMillis = Int64(Date().timeIntervalSince1970 * 1000) + 7 * 86_400_000
        #expect(abs(expires - weekMillis) < 60_000, "7 days by default")

        let listed = try lines(try f.run(["shares", "s1", "--json"]))
        #expect(listed.count == 2)
        #expect(listed.allSatisfy { $0["revoked"]?.boolValue == false && $0["secret"] == nil })
        let first = try #require(listed.last?["id"]?.stringValue)
        let table = try f.run(["shares", "s1"])
        #expect(table.stdout.contains(first) && table.stdout.contains("active"))

        // `share` names the id `revoke` takes (stderr: stdout is the link alone).
        #expect(share.stderr.hasPrefix("link \(first), until ") && share.stderr.hasSuffix("; revoke it with: tandem revoke \(first)\n"),
                "\(share.stderr)")
        let revoked = try f.run(["revoke", first])
        #expect(revoked.status == 0 && revoked.stdout == "\(first) revoked\n", "\(revoked.stderr)")
        // Working links by default; --all adds the revoked one, marked.
        #expect(try f.run(["shares", "s1"]).stdout.contains(first) == false)
        let all = try f.run(["shares", "s1", "--all"]).stdout
        #expect(all.contains(first) && all.contains("revoked"), "\(all)")
        #expect(try f.run(["RAW", "history", "s1", "--url", link]).status == 4, "a revoked link opens nothing")

        let carolShares = try f.run(["share", "s1"], as: "carol")
        #expect(carolShares.status == 3 && carolShares.stderr.hasPrefix("tandem: forbidden:"))
        #expect(try f.run(["shares", "s1"], as: "carol").status == 3)
        #expect(try f.run(["revoke", "nope"]).status == 2)
        let tooLong = try f.run(["share", "s1", "--expires", "400d"])
        #expect(tooLong.status == 1 && tooLong.stderr == "tandem: --expires: duration '400d' is longer than 365 days\n")
        // A negative lifetime is a bad duration, not a missing value.
        let negative = try f.run(["share", "s1", "--expires", "-5m"])
        #expect(negative.status == 1 && negative.stderr.hasPrefix("tandem: --expires: invalid duration '-5m'"), "\(negative.stderr)")
    }
}
