import TandemJSON

/// Parameters of operations that take none (`ping`, `template.list`).
public struct NoParams: WireObject {
    public init() {}
    public init(reader r: inout WireReader) throws {}
    public func write(into o: inout [String: JSONValue]) {}
}

/// `checkpoint.save` and `checkpoint.restore`.
public typealias CheckpointParams = SessionNameParams

/// A session and a name: checkpoints and templates.
public struct SessionNameParams: WireObject {
    public var session: String
    public var name: String

    public init(session: String, name: String) {
        self.session = session
        self.name = name
    }

    public init(reader r: inout WireReader) throws {
        session = try r.identifier("session")
        name = try r.string("name", maxBytes: r.limits.maxNameBytes)
    }

    public func write(into o: inout [String: JSONValue]) {
        o["session"] = .string(session)
        o["name"] = .string(name)
    }
}

/// `branch.merge`.
public struct BranchMergeParams: WireObject {
    /// The branch.
    public var session: String
    /// Conflicting rows settled by the merger: key → the value the row ends up with in the parent,
    /// written on the parent's current version as the merger's. Keys the branch did not change are ignored.
    public var resolutions: [String: JSONValue]

    public init(session: String, resolutions: [String: JSONValue] = [:]) {
        self.session = session
        self.resolutions = resolutions
    }

    public init(reader r: inout WireReader) throws {
        session = try r.identifier("session")
        let given = try r.optionalObject("resolutions", maxBytes: r.limits.maxMessageBytes)?.objectValue ?? [:]
        for (key, value) in given {
            let bytes = key.utf8.count
            guard bytes >= 1, bytes <= r.limits.maxStateKeyBytes else {
                throw r.failure("resolutions", "has a key of \(bytes) bytes; a row key is 1-\(r.limits.maxStateKeyBytes) bytes")
            }
            let size = value.serializedByteCount
            guard size <= r.limits.maxStateValueBytes else {
                throw r.failure("resolutions", "has a value of \(size) bytes serialized, more than the limit of \(r.limits.maxStateValueBytes)", .tooLarge)
            }
        }
        resolutions = given
    }

    public func write(into o: inout [String: JSONValue]) {
        o["session"] = .string(session)
        o["resolutions"] = resolutions.isEmpty ? nil : .object(resolutions)
    }
}

/// `branch.create`: fork the session at a turn into a new session.
public struct BranchCreateParams: WireObject {
    public var session: String
    /// The last turn the branch keeps; the head when nil.
    public var at: Int64?
    /// Title of the branch; "<source title> (branch)" when nil.
    public var title: String?
    /// A client-chosen id for the branch (1-64 of `A-Z a-z 0-9 _ -`); the server generates one when nil.
    public var branch: String?

    public init(session: String, at: Int64? = nil, title: String? = nil, branch: String? = nil) {
        self.session = session
        self.at = at
        self.title = title
        self.branch = branch
    }

    public init(reader r: inout WireReader) throws {
        session = try r.identifier("session")
        at = try r.optionalInt("at")
        title = try r.optionalString("title", maxBytes: r.limits.maxNameBytes, allowEmpty: true)
        branch = try r.optionalNewSessionID("branch")
    }

    public func write(into o: inout [String: JSONValue]) {
        o["session"] = .string(session)
        o["at"] = at.map { .integer($0) }
        o["title"] = title.map { .string($0) }
        o["branch"] = branch.map { .string($0) }
    }
}

/// `template.save`: the same parameters as a checkpoint (a session and a name).
public typealias TemplateSaveParams = SessionNameParams

/// `template.create_session`.
public struct TemplateCreateParams: WireObject {
    public var template: String
    public var title: String?
    /// A client-chosen id for the new session (1-64 of `A-Z a-z 0-9 _ -`); generated when nil.
    public var session: String?

    public init(template: String, title: String? = nil, session: String? = nil) {
        self.template = template
        self.title = title
        self.session = session
    }

    public init(reader r: inout WireReader) throws {
        template = try r.string("template", maxBytes: r.limits.maxNameBytes)
        title = try r.optionalString("title", maxBytes: r.limits.maxNameBytes, allowEmpty: true)
        session = try r.optionalNewSessionID("session")
    }

    public func write(into o: inout [String: JSONValue]) {
        o["template"] = .string(template)
        o["title"] = title.map { .string($0) }
        o["session"] = session.map { .string($0) }
    }
}

/// `session.import`: create a session from a `session.export` document.
public struct ImportParams: WireObject {
    /// The document exactly as `session.export` returned it.
    public var document: JSONValue
    /// Id for the new session; the document's id when nil (`already_exists` if taken).
    public var session: String?

    public init(document: JSONValue, session: String? = nil) {
        self.document = document
        self.session = session
    }

    public init(reader r: inout WireReader) throws {
        document = try r.object("document", maxBytes: r.limits.maxImportBytes)
        session = try r.optionalNewSessionID("session")
    }

    public func write(into o: inout [String: JSONValue]) {
        o["document"] = document
        o["session"] = session.map { .string($0) }
    }
}

/// When a share link stops working.
public enum ShareExpiry: Sendable, Equatable {
    /// Seconds from now (1...`maxShareLifetimeSeconds`).
    case inSeconds(Int64)
    /// An absolute time (must lie in the future and within `maxShareLifetimeSeconds`).
    case at(Timestamp)
}

/// `share.create`: a read-only link to one session.
public struct ShareCreateParams: WireObject {
    public var session: String
    public var expiry: ShareExpiry
    public var permission: SharePermission

    public init(session: String, expiry: ShareExpiry, permission: SharePermission = .read) {
        self.session = session
        self.expiry = expiry
        self.permission = permission
    }

    public init(reader r: inout WireReader) throws {
        session = try r.identifier("session")
        let seconds = try r.optionalInt("expires_in", min: 1, max: r.limits.maxShareLifetimeSeconds)
        let at = try r.optionalInt("expires_at", min: 1)
        switch (seconds, at) {
        case (let s?, nil): expiry = .inSeconds(s)
        case (nil, let t?): expiry = .at(t)
        case (nil, nil): throw r.failure("expires_in", "or 'expires_at' is required")
        case (_?, _?): throw r.failure("expires_at", "cannot be combined with 'expires_in'")
        }
        permission = try r.optionalEnum("permission") ?? .read
    }

    public func write(into o: inout [String: JSONValue]) {
        o["session"] = .string(session)
        switch expiry {
        case .inSeconds(let s): o["expires_in"] = .integer(s)
        case .at(let t): o["expires_at"] = .integer(t)
        }
        o["permission"] = permission.json
    }
}

/// `share.revoke`.
public struct ShareRevokeParams: WireObject {
    /// The link's id (not its secret).
    public var share: String

    public init(share: String) { self.share = share }

    public init(reader r: inout WireReader) throws { share = try r.identifier("share") }

    public func write(into o: inout [String: JSONValue]) { o["share"] = .string(share) }
}
