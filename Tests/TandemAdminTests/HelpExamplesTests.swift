import Foundation
import Testing

/// Every command's --help ends with an example an operator can adapt, and exits 0 without a database.
@Suite struct HelpExamplesTests {
    static let commands = [
        "users add", "users list", "users remove", "tokens issue", "tokens list", "tokens revoke", "grant", "revoke", "members",
        "share create", "share list", "share revoke", "sessions list", "sessions show", "sessions archive", "sessions delete",
        "sessions export", "sessions import", "contributions", "backup", "compact", "purge", "audit",
    ]

    @Test(arguments: commands) func helpHasAnExample(_ command: String) throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        let help = try f.run(command.split(separator: " ").map(String.init) + ["--help"], withDB: false)
        expectStatus(help, 0)
        #expect(help.stdout.contains("Example: ") && help.stdout.contains("tandem-admin \(command.split(separator: " ")[0])"),
                "\(command) --help: \(help.stdout)")
        #expect(help.stdout.contains("--busy-timeout"), "\(command) --help lacks --busy-timeout")
        #expect(help.stdout.contains("--merge-wait"), "\(command) --help lacks --merge-wait")
    }
}
