import Foundation
import Testing

/// `sessions list --member USER` with a user that does not exist is a typo to report (exit 2), not
/// an empty list that reads as "they are in no session".
@Suite struct UnknownMemberFilterTests {
    @Test func anUnknownMemberIsNotFoundAndAKnownOneFilters() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        let typo = try f.run(["sessions", "list", "--member", "bbo", "--json"])
        expectStatus(typo, 2)
        #expect(typo.stdout.isEmpty && typo.stderr.contains("no user 'bbo'; list users with: tandem-admin users list"), "\(typo.stderr)")
        #expect(try f.run(["sessions", "list", "--member", "bob", "--json"]).json()["sessions"]?.arrayValue?.count == 1)
        #expect(try f.run(["sessions", "list", "--member", "erin", "--json"]).json()["sessions"]?.arrayValue?.isEmpty == true)
    }
}
