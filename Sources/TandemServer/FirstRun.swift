import Foundation
import TandemStore

/// On an empty database, creates an owner account and its first token, so a new server can be
/// used at once. The secret is returned once (to print) and written to a 0600 file beside the
/// database; nothing else keeps it.
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

    public static func tokenFilePath(databasePath: String) -> String {
        let url = URL(fileURLWithPath: databasePath)
        return url.deletingLastPathComponent().appendingPathComponent(url.deletingPathExtension().lastPathComponent + ".owner-token").path
    }
}
