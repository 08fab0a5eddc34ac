import ArgumentParser
import Foundation
import TandemProtocol

/// `tandem-admin`: the operator's tool. It opens the database file itself (never the server's
/// API), so it works with or without a running `tandemd`; a running server sees its access
/// changes through the audit log within a second.
@main
struct TandemAdmin: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem-admin",
        abstract: "Administer a Tandem database: users, tokens, roles, share links, sessions, backups.",
        discussion: """
            Works on the database file directly (--db, or TANDEM_DB, default ./tandem.db), safely while \
            tandemd is running: role changes and revoked tokens or share links reach live connections \
            within a second. The operator is trusted: no session membership is needed.

            Output: aligned tables on a terminal, tab-separated lines without a header when piped; \
            listing commands take --json for one JSON document.

            An id you chose that starts with '-' goes after '--', e.g. tandem-admin sessions show -- -dash \
            (generated ids never start with '-').

            Exit codes:
              0  success
              1  usage error or bad input (unknown role, bad duration, malformed file)
              2  not found (user, session, token, share link, member)
              3  conflict (already exists, or not possible in the current state)
              4  database error (cannot open, schema too new, I/O, busy past --busy-timeout, a merge
                 into the session still under way past --merge-wait)
            """,
        version: Release.version,
        subcommands: [
            Users.self, Tokens.self, Grant.self, Revoke.self, Members.self, Share.self, Sessions.self,
            Contributions.self, Backup.self, Compact.self, Purge.self, Audit.self,
        ])

    /// No command named: a usage error like any other (exit 1, the reason first, then the help on
    /// stderr), so a script that lost its command fails instead of "succeeding" with the help text.
    mutating func run() throws {
        Output.error("no command given; name one of the subcommands below (tandem-admin --help)")
        Output.note(Self.helpMessage())
        throw ExitCode(AdminFailure.usage)
    }

    /// Runs the command, mapping every failure to a one-line message and a documented exit code.
    static func main() {
        // Databases it creates, backups and exports hold session content: this user's only.
        umask(0o077)
        do {
            var command = try parseAsRoot(LeadingDatabaseOptions.normalize(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch let failure as AdminFailure {
            Output.error(failure.message)
            Foundation.exit(failure.exitCode)
        } catch {
            // ArgumentParser reports usage errors as EX_USAGE (64); ours is 1.
            if exitCode(for: error) == .validationFailure {
                // Like every other failure: the reason on the first line ("error: ..."), for scripts;
                // then the usage of the command it was about, for people.
                let reason = message(for: error).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                Output.error(reason.joined(separator: " "))
                let usage = fullMessage(for: error).split(separator: "\n").drop { !$0.hasPrefix("Usage:") }
                if !usage.isEmpty { Output.note(usage.joined(separator: "\n")) }
                Foundation.exit(AdminFailure.usage)
            }
            exit(withError: error)
        }
    }
}
