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

    /// Creates the owner account and writes its token file, or, when either fails (a full disk),
    /// neither: the account and its token are committed only once the file holds the whole secret
    /// (`Store.createFirstOwner`), and the file is removed if that commit fails. So the next start,
    /// finding no user, makes them again; a banner or log line naming the file is never about a
    /// file that was not written.
    public static func ensureOwner(store: Store, databasePath: String) throws -> Owner? {
        guard try store.userCount() == 0 else { return nil }
        let file = tokenFilePath(databasePath: databasePath)
        let issued: IssuedToken?
        do throws(StoreError) {
            issued = try store.createFirstOwner(id: "owner", displayName: "Owner", tokenLabel: "first run") { secret throws(StoreError) in
                try TokenFile.write(secret + "\n", to: file)
            }
        } catch {
            // A token file written before a failed commit holds a token that was never issued.
            // No user exists, so no file there holds a live token.
            if FileManager.default.fileExists(atPath: file) { unlink(file) }
            guard error.storageFailure == .full else { throw error }
            throw StoreError(.sqlite, """
                \(FileSystemSpace.noSpace(holding: databasePath)); the owner account was not created (its token \
                could not be kept: \(error.message)); free some space and start tandemd again
                """, sqliteCode: error.sqliteCode)
        }
        guard let issued else { return nil }
        return Owner(user: issued.token.userID, secret: issued.secret, tokenFile: file)
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
