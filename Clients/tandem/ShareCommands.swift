import ArgumentParser
import Foundation
import TandemJSON
import TandemProtocol
import TandemClientKit

/// `tandem shares`.
struct Shares: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List a session's working share links, newest first (admin).")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id.") var session: String
    @Flag(help: "Also the links that no longer work (revoked or expired).") var all = false
    @Flag(help: "One JSON link per line.") var json = false

    func run() throws {
        try runConnected(connection) { c in
            let list = try c.allShares(session: session, includeRevoked: all)
            if json {
                for link in list { Output.json(link.json) }
            } else if list.isEmpty {
                Output.error(all ? "no share links" : "no working share links; create one with: tandem share \(session)")
            } else {
                let now = Timestamp(Date().timeIntervalSince1970 * 1000)
                for line in Output.renderer().shares(list, now: now) { Output.rendered(line) }
            }
        }
    }
}

/// `tandem share`.
struct Share: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a read-only share link to a session and print it (admin).",
        discussion: "The link is shown this once, on stdout: the server keeps only a hash of its secret. Its id and expiry follow on stderr; revoke it with `tandem revoke LINK_ID`.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id.") var session: String
    // Unconditional: "--expires -5m" is a bad duration to explain, not a missing value.
    @Option(parsing: .unconditional, help: "Lifetime: 45s, 30m, 12h, 7d, 2w (at most 365d).") var expires: String = "7d"
    @Flag(help: "The link as one JSON object (its id, expiry ... and url).") var json = false

    func run() throws {
        try runReporting {
            let seconds: Int64
            do {
                seconds = try DurationParser.seconds(expires)
            } catch let error as CommandError {
                throw Failure("--expires: \(error.message)")
            }
            let settings = try connection.settings()
            let c = try Connection(settings: settings, onEvent: { _, _ in })
            defer { c.close() }
            let result = try c.call(.shareCreate(ShareCreateParams(session: session, expiry: .inSeconds(seconds))), as: ShareCreateResult.self)
            let link = ShareURL.absolute(result.url, webSocketURL: settings.webSocketURL)
            if json {
                var object: [String: JSONValue] = [:]
                result.share.write(into: &object)
                object["url"] = .string(link)
                Output.json(.object(object))
            } else {
                Output.line(link)
                // Its id is what `revoke` takes, and the link's text does not hold it: said on stderr,
                // so stdout stays the link alone for scripts.
                Output.error("link \(result.share.id), until \(Output.renderer().date(result.share.expires)); revoke it with: tandem revoke \(result.share.id)")
            }
        }
    }
}

/// `tandem revoke`.
struct Revoke: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Revoke a share link: its live viewers are disconnected (admin of its session).")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The link's id (as `tandem shares` lists it, not its secret).") var link: String

    func run() throws {
        try runConnected(connection) { c in
            let share = try c.call(.shareRevoke(ShareRevokeParams(share: link)), as: ShareResult.self).share
            Output.line("\(share.id) revoked")
        }
    }
}
