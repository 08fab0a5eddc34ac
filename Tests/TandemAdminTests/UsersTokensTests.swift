import Foundation
import Testing
import TandemJSON
import TandemStore

@Suite struct UsersCommandTests {
    @Test func addIssuesAFirstTokenThatAuthenticatesAndWarnsItIsShownOnce() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        let added = try f.run(["users", "add", "Alice Smith", "--id", "alice", "--json", "--create"])
        expectStatus(added, 0)
        let doc = try added.json()
        #expect(doc["user"]?["id"]?.stringValue == "alice")
        #expect(doc["user"]?["display_name"]?.stringValue == "Alice Smith")
        let secret = try #require(doc["token"]?["secret"]?.stringValue)
        #expect(added.stderr.contains("shown only once"))
        let identity = try f.seed { store in try store.lookupToken(secret: secret) }
        #expect(identity?.user.id == "alice" && identity?.revoked == false)
        #expect(identity?.tokenID == doc["token"]?["id"]?.stringValue)

        // Plain output: NAME becomes the id when it is a valid id; the secret is on stdout.
        let plain = try f.run(["users", "add", "bob"])
        expectStatus(plain, 0)
        #expect(plain.stdout.contains("added user bob"))
        let line = try #require(plain.stdout.split(separator: "\n").first { $0.hasPrefix("token ") })
        let plainSecret = String(try #require(line.split(separator: " ").last))
        #expect(try f.seed { store in try store.lookupToken(secret: plainSecret)?.user.id } == "bob")

        let quiet = try f.run(["users", "add", "carol", "--no-token"])
        expectStatus(quiet, 0)
        #expect(!quiet.stdout.contains("tdm_") && !quiet.stderr.contains("shown only once"))
        #expect(try f.seed { store in try store.tokens(userID: "carol") }.isEmpty)
    }

    @Test func addRefusesDuplicatesAndBadIDs() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let duplicate = try f.run(["users", "add", "Alice again", "--id", "alice"])
        expectStatus(duplicate, 3)
        #expect(duplicate.stderr.contains("already exists"))
        let bad = try f.run(["users", "add", "X", "--id", "bad id!"])
        expectStatus(bad, 1)
        #expect(bad.stderr.contains("user id must be"))
        expectStatus(try f.run(["users", "add"]), 1)
        // "admin" and "system" stand for the operator and the store in the audit log.
        for reserved in ["admin", "system"] {
            let taken = try f.run(["users", "add", "Someone", "--id", reserved])
            expectStatus(taken, 1)
            #expect(taken.stderr.contains("reserved"))
        }
    }

    @Test func listShowsEveryUserAsJSONAndAsTabSeparatedRows() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        try f.seed { store in _ = try store.createToken(userID: "bob", label: "laptop") }
        let json = try f.run(["users", "list", "--json"])
        expectStatus(json, 0)
        let users = try #require(try json.json()["users"]?.arrayValue)
        #expect(users.compactMap { $0["id"]?.stringValue } == ["alice", "bob", "carol", "erin"])
        #expect(users[1]["active_tokens"]?.intValue == 1 && users[1]["display_name"]?.stringValue == "Bob")
        let table = try f.run(["users", "list"])
        expectStatus(table, 0)
        #expect(table.rows.map { $0[0] } == ["alice", "bob", "carol", "erin"])
        #expect(table.rows[1][1] == "Bob" && table.rows[1][3] == "1")
    }

    @Test func removeNeedsConfirmationAndTakesTokensAndMembershipsAlong() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let token = try f.seed { store in try store.createToken(userID: "bob", label: "") }
        let unconfirmed = try f.run(["users", "remove", "bob"])
        expectStatus(unconfirmed, 1)
        #expect(unconfirmed.stderr.contains("--yes"))
        expectStatus(try f.run(["users", "remove", "bob", "--yes"]), 0)
        let (lookup, role, action) = try f.seed { store in
            (try store.lookupToken(secret: token.secret), try store.role(session: "s1", user: "bob"), try store.auditLog().first?.action)
        }
        #expect(lookup == nil && role == nil && action == "user.remove")
        let unknown = try f.run(["users", "remove", "bob", "--yes"])
        expectStatus(unknown, 2)
        #expect(unknown.stderr.contains("no user 'bob'; list users with: tandem-admin users list"))
        let owner = try f.run(["users", "remove", "alice", "--yes"])
        expectStatus(owner, 3)
        #expect(owner.stderr.contains("is the only owner of session(s)"))
    }
}

@Suite struct TokensCommandTests {
    @Test func issueListRevoke() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let issued = try f.run(["tokens", "issue", "bob", "--label", "ci", "--json"])
        expectStatus(issued, 0)
        let doc = try issued.json()
        let id = try #require(doc["id"]?.stringValue)
        let secret = try #require(doc["secret"]?.stringValue)
        #expect(doc["user"]?.stringValue == "bob" && doc["label"]?.stringValue == "ci")
        #expect(issued.stderr.contains("shown only once"))
        #expect(try f.seed { store in try store.lookupToken(secret: secret) }?.revoked == false)

        let list = try f.run(["tokens", "list", "bob", "--json"])
        expectStatus(list, 0)
        let tokens = try #require(try list.json()["tokens"]?.arrayValue)
        #expect(tokens.count == 1 && tokens[0]["id"]?.stringValue == id && tokens[0]["revoked"] == .bool(false))
        #expect(tokens[0]["secret"] == nil && !list.stdout.contains(secret))

        let revoked = try f.run(["tokens", "revoke", "--", id])
        expectStatus(revoked, 0)
        #expect(try f.seed { store in try store.lookupToken(secret: secret) }?.revoked == true)
        let after = try f.run(["tokens", "list", "--json"])
        let entry = try #require(try after.json()["tokens"]?.arrayValue?.first { $0["id"]?.stringValue == id })
        #expect(entry["revoked"] == .bool(true) && entry["revoked_at"]?.intValue != nil)
        // Piped table: the revoked column has a time.
        let table = try f.run(["tokens", "list"])
        #expect(table.rows.first { $0[0] == id }?.last != "-")
        let audit = try f.seed { store in try store.auditLog().first }
        #expect(audit?.action == "token.revoke" && audit?.actor == "admin" && audit?.target == id)
        // Again: nothing to do, said, and nothing recorded twice.
        let again = try f.run(["tokens", "revoke", "--", id])
        expectStatus(again, 0)
        #expect(again.stdout == "token \(id) was already revoked\n")
        #expect(try f.seed { store in try store.auditLog().filter { $0.action == "token.revoke" }.count } == 1)
    }

    @Test func unknownUsersAndTokensAreNotFound() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let issue = try f.run(["tokens", "issue", "zed"])
        expectStatus(issue, 2)
        #expect(issue.stderr.contains("no user 'zed'"))
        expectStatus(try f.run(["tokens", "list", "zed"]), 2)
        let revoke = try f.run(["tokens", "revoke", "nope"])
        expectStatus(revoke, 2)
        #expect(revoke.stderr.contains("tandem-admin tokens list"))
        expectStatus(try f.run(["tokens", "revoke"]), 1)
    }
}
