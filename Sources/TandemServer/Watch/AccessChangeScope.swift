import TandemStore

/// What the access changes since the access watcher's last look can have touched, from their
/// audit entries (every access change is audited, by whichever process made it): the tokens,
/// users and share links whose connections must be checked again, the sessions whose links may be
/// gone with them, and the sessions where a member was removed. The recheck reads only those, not
/// every connection's token and every live session's roles (at 10,000 live sessions the roles
/// alone cost 25 ms a tick whenever anyone made a share link, cleared turns or restored a
/// checkpoint). Time-bound ends (a token's or link's expiry) are the expiry schedule's, not this.
struct AccessChangeScope: Equatable {
    /// Entries read at most per look; more (or a high-water mark that went down) is `nil`: anything.
    static let entriesRead = 1_000

    var tokens: Set<String> = []
    var users: Set<String> = []
    var links: Set<String> = []
    /// Sessions deleted (or merged): their links went with them.
    var linkSessions: Set<String> = []
    /// Sessions where a member was removed (also each membership of a removed user).
    var membershipLosses: Set<String> = []

    /// The scope of `entries`; nil (anything may have changed) when the read was cut off, or an
    /// entry is of an action this build does not know or lacks what it names.
    ///
    /// Every action the store audits is an `AuditAction`, and the switch below names each one with
    /// no default: an action added to the store does not build until it is placed here, as ending
    /// someone's access (and what its entry names) or not.
    static func of(_ entries: [AccessChange], complete: Bool) -> AccessChangeScope? {
        guard complete else { return nil }
        var scope = AccessChangeScope()
        for entry in entries {
            // A name this build does not write: a newer build's, perhaps ending access.
            guard let action = AuditAction(rawValue: entry.action) else { return nil }
            switch action {
            case .memberRemove:
                guard let session = entry.session else { return nil }
                scope.membershipLosses.insert(session)
            case .shareRevoke:
                guard let link = entry.target else { return nil }
                scope.links.insert(link)
            case .sessionDelete, .sessionPurge, .branchDiscard:
                guard let session = entry.session else { return nil }
                scope.linkSessions.insert(session)
            case .branchMerge:
                // A merge's end, from its job, names neither side.
                guard let parent = entry.session, let branch = entry.target else { return nil }
                scope.linkSessions.formUnion([parent, branch])
            case .tokenRevoke:
                guard let token = entry.target else { return nil }
                scope.tokens.insert(token)
            case .tokenRotate:
                // The replaced token ends, at once or after its grace.
                guard let replaced = entry.replaces else { return nil }
                scope.tokens.insert(replaced)
            case .userDisable, .userEnable, .userRemove:
                guard let user = entry.target else { return nil }
                scope.users.insert(user)
            case .shareCreate, .tokenIssue, .userAdd, .memberAdd, .memberRole,
                 .sessionArchive, .sessionImport, .checkpointRestore, .turnsClear:
                // They end no one's access: a new link, token, user or member, a role (a creator
                // demoted below `share.create` has their links revoked, audited `share.revoke`), an
                // archive, an import, a restore, a clear.
                continue
            }
        }
        return scope
    }

    /// Whether it names nothing: no connection needs checking again.
    var isEmpty: Bool {
        tokens.isEmpty && users.isEmpty && links.isEmpty && linkSessions.isEmpty && membershipLosses.isEmpty
    }

    /// Whether a connection of `identity` must be checked again.
    func concerns(_ identity: ClientIdentity) -> Bool {
        switch identity {
        case .member(let user, let tokenID): tokens.contains(tokenID) || users.contains(user)
        case .viewer(let link, let session, _): links.contains(link) || linkSessions.contains(session)
        }
    }
}
