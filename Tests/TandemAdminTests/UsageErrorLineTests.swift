import Foundation
import Testing

/// Every failure, a usage error included, says why on the first line of stderr as "error: ...";
/// a usage error then shows the usage of the command it was about (never the root's).
@Suite struct UsageErrorLineTests {
    @Test func theReasonIsTheFirstLineAndTheUsageIsTheCommands() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let cases: [(args: [String], reason: String, usage: String)] = [
            (["users", "remove", "bob"], "add --yes to confirm", "Usage: tandem-admin users remove"),
            (["sessions", "delete", "s1"], "add --yes to confirm", "Usage: tandem-admin sessions delete"),
            (["sessions", "archive", "s1"], "is final", "Usage: tandem-admin sessions archive"),
            (["purge", "--archived-older-than", "1d"], "add --yes to confirm", "Usage: tandem-admin purge"),
            (["share", "create", "s1", "--url", "ftp://x"], "bad --url 'ftp://x'", "Usage: tandem-admin share create"),
            (["grant", "bob", "s1", "superuser"], "unknown role 'superuser'; roles are owner, admin, write, comment, read",
             "Usage: tandem-admin grant"),
            (["share", "create", "s1", "--expires", "-5m"], "bad duration '-5m'", "Usage: tandem-admin share create"),
            (["users", "list", "--bogus"], "Unknown option '--bogus'", "Usage: tandem-admin users list"),
        ]
        for (args, reason, usage) in cases {
            let result = try f.run(args)
            expectStatus(result, 1)
            let lines = result.stderr.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("error: ") == true && lines.first?.contains(reason) == true, "\(args): \(result.stderr)")
            #expect(lines.dropFirst().first?.hasPrefix(usage) == true, "\(args): \(result.stderr)")
            #expect(!result.stderr.contains("Usage: tandem-admin <subcommand>"), "\(args): \(result.stderr)")
        }
        // Nothing was removed, deleted or archived for want of --yes.
        #expect(try f.seed { store in (try store.adminUsers().count, try store.session(id: "s1").status) } == (4, .active))
    }
}
