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

/// `member.list`: strongest role first, then by user id.
public struct MemberListResult: WireObject {
    public var members: [Member]

    public init(members: [Member]) { self.members = members }

    public init(reader r: inout WireReader) throws { members = try r.array("members") }

    public func write(into o: inout [String: JSONValue]) { o["members"] = members.json }
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

/// `contributions`.
public struct ContributionsResult: WireObject {
    public var contributions: [Contribution]

    public init(contributions: [Contribution]) { self.contributions = contributions }

    public init(reader r: inout WireReader) throws { contributions = try r.array("contributions") }

    public func write(into o: inout [String: JSONValue]) { o["contributions"] = contributions.json }
}
