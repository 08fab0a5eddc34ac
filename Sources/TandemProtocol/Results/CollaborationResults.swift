import TandemJSON

/// `comment.add`.
public struct CommentResult: WireObject {
    public var comment: CommentDTO
    /// Eseq of the `comment` event.
    public var eseq: Int64

    public init(comment: CommentDTO, eseq: Int64) {
        self.comment = comment
        self.eseq = eseq
    }

    public init(reader r: inout WireReader) throws {
        comment = try r.nested("comment")
        eseq = try r.int("eseq", min: 1)
    }

    public func write(into o: inout [String: JSONValue]) {
        o["comment"] = comment.json
        o["eseq"] = .integer(eseq)
    }
}

/// `comment.list`: in id order, a page at a time.
public struct CommentListResult: WireObject {
    public var comments: [CommentDTO]
    /// Comments are left after the last one (ask again with `after` = its id).
    public var more: Bool

    public init(comments: [CommentDTO], more: Bool = false) {
        self.comments = comments
        self.more = more
    }

    public init(reader r: inout WireReader) throws {
        comments = try r.array("comments")
        more = try r.optionalBool("more") ?? false
    }

    public func write(into o: inout [String: JSONValue]) {
        o["comments"] = comments.json
        o["more"] = .bool(more)
    }
}

/// `member.list`: by user id, a page at a time.
public struct MemberListResult: WireObject {
    public var members: [Member]
    /// Members are left after the last one (ask again with `after` = its `user`).
    public var more: Bool

    public init(members: [Member], more: Bool = false) {
        self.members = members
        self.more = more
    }

    public init(reader r: inout WireReader) throws {
        members = try r.array("members")
        more = try r.optionalBool("more") ?? false
    }

    public func write(into o: inout [String: JSONValue]) {
        o["members"] = members.json
        o["more"] = .bool(more)
    }
}

/// `member.add` and `member.set_role`.
public struct MemberResult: WireObject {
    public var member: Member
    /// Eseq of the `member` event.
    public var eseq: Int64

    public init(member: Member, eseq: Int64) {
        self.member = member
        self.eseq = eseq
    }

    public init(reader r: inout WireReader) throws {
        member = try r.nested("member")
        eseq = try r.int("eseq", min: 1)
    }

    public func write(into o: inout [String: JSONValue]) {
        o["member"] = member.json
        o["eseq"] = .integer(eseq)
    }
}

/// `contributions`: a session's by user id, or a user's in the order their sessions were created,
/// a page at a time.
public struct ContributionsResult: WireObject {
    public var contributions: [Contribution]
    /// Rows are left after the last one (ask again with `after` = its `user`, or its `session`
    /// when listing a user's).
    public var more: Bool

    public init(contributions: [Contribution], more: Bool = false) {
        self.contributions = contributions
        self.more = more
    }

    public init(reader r: inout WireReader) throws {
        contributions = try r.array("contributions")
        more = try r.optionalBool("more") ?? false
    }

    public func write(into o: inout [String: JSONValue]) {
        o["contributions"] = contributions.json
        o["more"] = .bool(more)
    }
}
