import Foundation
import TandemStore

/// On an empty database, creates an owner account and its first token, so a new server can be
/// used at once. The secret is written to a 0600 file beside the database and returned once (for a
/// terminal to show: `banner`); nothing else keeps it.
public enum FirstRun {
    public struct Owner: Sendable {
        public var user: String
        public var secret: String
        public var tokenFile: String
    }

    public static func ensureOwner(store: Store, databasePath: String) throws -> Owner? {
        guard try store.userCount() == 0 else { return nil }
        let user = try store.createUser(id: "owner", displayName: "Owner", actor: "system")
        let issued = try store.createToken(userID: user.id, label: "first run", actor: "system")
        let file = tokenFilePath(databasePath: databasePath)
        let created = FileManager.default.createFile(atPath: file, contents: Data((issued.secret + "\n").utf8),
                                                     attributes: [.posixPermissions: 0o600])
        if !created { throw StoreError(.invalidArgument, "could not write the owner token to \(file)") }
        return Owner(user: user.id, secret: issued.secret, tokenFile: file)
    }

    /// What tandemd prints on first start, `url` the WebSocket address to connect to. The secret
    /// itself only when `showSecret` (standard output is a terminal): under systemd or a container
    /// runtime standard output is kept in journald or `docker logs`, readable by more people and for
    /// longer than the 0600 file, so there the banner says where the file is and how to read it.
    public static func banner(_ owner: Owner, url: String, showSecret: Bool) -> String {
        let connect = "Connect with: tandem --url \(url) --token <token>"
        guard showSecret else {
            return """
                First start: created the owner account '\(owner.user)'. Its token is in \(owner.tokenFile) (mode 0600), \
                not printed: standard output is not a terminal (a log such as journald or docker logs would keep it).
                  Read it as the user tandemd runs as: cat \(owner.tokenFile)
                \(connect)
                """
        }
        return """
            First start: created the owner account '\(owner.user)'. Its token (shown once, also in \(owner.tokenFile)):
              \(owner.secret)
            \(connect)
            """
    }

    public static func tokenFilePath(databasePath: String) -> String {
        let url = URL(fileURLWithPath: databasePath)
        return url.deletingLastPathComponent().appendingPathComponent(url.deletingPathExtension().lastPathComponent + ".owner-token").path
    }
}
