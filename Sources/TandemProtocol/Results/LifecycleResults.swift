import TandemJSON

/// `checkpoint.save` and `checkpoint.restore` (which also reports the eseq of its `session` event).
public struct CheckpointResult: WireObject {
    public var checkpoint: Checkpoint
    public var eseq: Int64?

    public init(checkpoint: Checkpoint, eseq: Int64? = nil) {
        self.checkpoint = checkpoint
        self.eseq = eseq
    }

    public init(reader r: inout WireReader) throws {
        checkpoint = try r.nested("checkpoint")
        eseq = try r.optionalInt("eseq", min: 1)
    }

    public func write(into o: inout [String: JSONValue]) {
        o["checkpoint"] = checkpoint.json
        o["eseq"] = eseq.map { .integer($0) }
    }
}

/// `checkpoint.get`: entries of one checkpoint's map in key order (bytes), a page at a time.
public struct CheckpointGetResult: WireObject {
    public var rows: [CheckpointRow]
    /// Entries are left after the last one (ask again with `after` = its key).
    public var more: Bool

    public init(rows: [CheckpointRow], more: Bool = false) {
        self.rows = rows
        self.more = more
    }

    public init(reader r: inout WireReader) throws {
        rows = try r.array("rows")
        more = try r.optionalBool("more") ?? false
    }

    public func write(into o: inout [String: JSONValue]) {
        o["rows"] = rows.json
        o["more"] = .bool(more)
    }
}

/// `checkpoint.list`: oldest first, a page at a time.
public struct CheckpointListResult: WireObject {
    public var checkpoints: [Checkpoint]
    /// Checkpoints are left after the last one (ask again with `after` = its name).
    public var more: Bool

    public init(checkpoints: [Checkpoint], more: Bool = false) {
        self.checkpoints = checkpoints
        self.more = more
    }

    public init(reader r: inout WireReader) throws {
        checkpoints = try r.array("checkpoints")
        more = try r.optionalBool("more") ?? false
    }

    public func write(into o: inout [String: JSONValue]) {
        o["checkpoints"] = checkpoints.json
        o["more"] = .bool(more)
    }
}

/// `branch.merge`. All or nothing: with any row conflict nothing is merged and the branch stays open.
/// Its lists are bounded (1,000 keys each by default): `rowsTotal` counts every merged row and
/// `conflictsMore` says when more rows conflict than are listed.
public struct BranchMergeResult: WireObject {
    /// True when the branch was merged into its parent (and closed).
    public var merged: Bool
    /// Seqs the branch's turns got in the parent (nil when none were appended).
    public var firstSeq: Int64?
    public var lastSeq: Int64?
    /// Keys whose rows were written in the parent (applied or merged): the first 1,000 in key
    /// byte order (`rowsTotal` counts them all).
    public var rows: [String]
    /// How many rows were written in the parent (`rows` names the first of them). An answer
    /// without it (an older server) counts `rows`.
    public var rowsTotal: Int64
    /// Per row, the paths the three-way merge could not decide (empty when `merged`): the first
    /// 1,000 conflicting keys in key byte order.
    public var conflicts: [RowConflictDTO]
    /// More rows conflict than `conflicts` lists (resolve those and merge again to see them).
    /// Sent only when true.
    public var conflictsMore: Bool

    public init(merged: Bool, firstSeq: Int64? = nil, lastSeq: Int64? = nil, rows: [String] = [], rowsTotal: Int64? = nil,
                conflicts: [RowConflictDTO] = [], conflictsMore: Bool = false) {
        self.merged = merged
        self.firstSeq = firstSeq
        self.lastSeq = lastSeq
        self.rows = rows
        self.rowsTotal = rowsTotal ?? Int64(rows.count)
        self.conflicts = conflicts
        self.conflictsMore = conflictsMore
    }

    public init(reader r: inout WireReader) throws {
        merged = try r.bool("merged")
        firstSeq = try r.optionalInt("first_seq", min: 1)
        lastSeq = try r.optionalInt("last_seq", min: 1)
        rows = try r.stringArray("rows", maxBytes: .max)
        rowsTotal = try r.optionalInt("rows_total", min: 0) ?? Int64(rows.count)
        conflicts = try r.array("conflicts")
        conflictsMore = try r.optionalBool("conflicts_more") ?? false
    }

    public func write(into o: inout [String: JSONValue]) {
        o["merged"] = .bool(merged)
        o["first_seq"] = firstSeq.map { .integer($0) }
        o["last_seq"] = lastSeq.map { .integer($0) }
        o["rows"] = .array(rows.map { .string($0) })
        o["rows_total"] = .integer(rowsTotal)
        o["conflicts"] = conflicts.json
        // Absent unless true: the answer of every merge that lists all its conflicts stays as it was.
        o["conflicts_more"] = conflictsMore ? .bool(true) : nil
    }
}

/// `template.save`.
public struct TemplateResult: WireObject {
    public var template: TemplateInfo

    public init(template: TemplateInfo) { self.template = template }

    public init(reader r: inout WireReader) throws { template = try r.nested("template") }

    public func write(into o: inout [String: JSONValue]) { o["template"] = template.json }
}

/// `template.list`: by name, a page at a time.
public struct TemplateListResult: WireObject {
    public var templates: [TemplateInfo]
    /// Templates are left after the last one (ask again with `after` = its name).
    public var more: Bool

    public init(templates: [TemplateInfo], more: Bool = false) {
        self.templates = templates
        self.more = more
    }

    public init(reader r: inout WireReader) throws {
        templates = try r.array("templates")
        more = try r.optionalBool("more") ?? false
    }

    public func write(into o: inout [String: JSONValue]) {
        o["templates"] = templates.json
        o["more"] = .bool(more)
    }
}

/// `session.export`: the lossless document (its shape belongs to the store; see docs/protocol.md).
public struct ExportResult: WireObject {
    public var document: JSONValue

    public init(document: JSONValue) { self.document = document }

    public init(reader r: inout WireReader) throws { document = try r.object("document", maxBytes: .max) }

    public func write(into o: inout [String: JSONValue]) { o["document"] = document }

    /// What goes around a document's JSON text to make the whole answer to request `id`: the bytes
    /// of `Response.success(id:, ExportResult(document:)).encode()`, for a server that writes the
    /// document straight into the frame instead of building it as a value (tested to match).
    public static func envelope(id: RequestID) -> (prefix: [UInt8], suffix: [UInt8]) {
        var prefix = Array(#"{"id":"#.utf8)
        JSONWriter.write(id.json, into: &prefix)
        prefix.append(contentsOf: #","ok":true,"result":{"document":"#.utf8)
        return (prefix, Array("}}".utf8))
    }
}

/// `share.create`: the only time the secret is ever shown.
public struct ShareCreateResult: WireObject {
    public var share: ShareLink
    public var secret: String
    /// Path of the viewer page, `/s/<secret>`; prefix it with the server's origin.
    public var url: String

    public init(share: ShareLink, secret: String, url: String) {
        self.share = share
        self.secret = secret
        self.url = url
    }

    public init(reader r: inout WireReader) throws {
        share = try r.nested("share")
        secret = try r.string("secret", maxBytes: .max)
        url = try r.string("url", maxBytes: .max)
    }

    public func write(into o: inout [String: JSONValue]) {
        o["share"] = share.json
        o["secret"] = .string(secret)
        o["url"] = .string(url)
    }
}

/// `share.list`: newest first (working links only unless asked for all), a page at a time.
public struct ShareListResult: WireObject {
    public var shares: [ShareLink]
    /// Links are left after the last one (ask again with `after` = its id).
    public var more: Bool

    public init(shares: [ShareLink], more: Bool = false) {
        self.shares = shares
        self.more = more
    }

    public init(reader r: inout WireReader) throws {
        shares = try r.array("shares")
        more = try r.optionalBool("more") ?? false
    }

    public func write(into o: inout [String: JSONValue]) {
        o["shares"] = shares.json
        o["more"] = .bool(more)
    }
}

/// `share.revoke`: the link as it now stands (`revoked: true`).
public struct ShareResult: WireObject {
    public var share: ShareLink

    public init(share: ShareLink) { self.share = share }

    public init(reader r: inout WireReader) throws { share = try r.nested("share") }

    public func write(into o: inout [String: JSONValue]) { o["share"] = share.json }
}

/// `ping`.
public struct PongResult: WireObject {
    /// The server's clock, to estimate skew and latency.
    public var time: Timestamp
    /// Who the connection acts as: the token's user; nil for a share-link viewer.
    public var user: String?

    public init(time: Timestamp, user: String? = nil) {
        self.time = time
        self.user = user
    }

    public init(reader r: inout WireReader) throws {
        time = try r.int("time")
        user = try r.optionalString("user", maxBytes: r.limits.maxIdentifierBytes)
    }

    public func write(into o: inout [String: JSONValue]) {
        o["time"] = .integer(time)
        o["user"] = user.map { .string($0) }
    }
}
