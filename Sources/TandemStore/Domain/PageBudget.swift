import TandemJSON

/// How many bytes of records one page may hold, so that no answer is bigger than its reader asked
/// for (a `last: 1000` page of 256-KiB turns was 256 MB in memory, answer and frame). The first
/// record always fits, however big: a page is never empty while records are left.
public struct PageBudget: Sendable {
    public let maxBytes: Int
    private(set) var used = 0
    private(set) var count = 0
    /// True once a record did not fit: the page stops there.
    public private(set) var isExhausted = false

    public init(maxBytes: Int) { self.maxBytes = maxBytes }

    /// No limit.
    public static var unlimited: PageBudget { PageBudget(maxBytes: .max) }

    /// Takes `bytes` for one more record; false (and exhausted) when it does not fit.
    mutating func take(_ bytes: Int) -> Bool {
        if count > 0 && bytes > maxBytes - used {
            isExhausted = true
            return false
        }
        used += bytes
        count += 1
        return true
    }

    /// What a turn costs in an answer: its text, its metadata and room for the other fields.
    static func size(of turn: Turn) -> Int {
        turn.content.utf8.count + turn.metadata.serializedByteCount + 256
    }

    /// What a row costs in an answer: its value and room for the other fields.
    static func size(of row: StateRow) -> Int {
        row.key.utf8.count + row.value.serializedByteCount + 128
    }

    /// What a comment costs in an answer: its text and room for the other fields.
    static func size(of comment: Comment) -> Int {
        comment.body.utf8.count + comment.author.utf8.count + 128
    }

    static func size(of checkpoint: CheckpointSummary) -> Int {
        checkpoint.name.utf8.count + checkpoint.createdBy.utf8.count + 128
    }

    static func size(of link: ShareLink) -> Int {
        link.id.utf8.count + link.sessionID.utf8.count + link.createdBy.utf8.count + 192
    }

    static func size(of template: TemplateSummary) -> Int {
        template.name.utf8.count + template.source.utf8.count + template.createdBy.utf8.count + 128
    }
}

extension PageBudget {
    /// What one entry of a checkpoint's map costs in an answer: its key and room for the version.
    static func size(of entry: CheckpointEntry) -> Int {
        entry.key.utf8.count + 48
    }
}

extension PageBudget {
    /// What a member costs in a `member.list` answer: id, name and room for role, time and flags.
    static func size(of listed: ListedMember) -> Int {
        listed.member.userID.utf8.count + listed.displayName.utf8.count + 96
    }

    /// What a row of counters costs in a `contributions` answer: its ids and room for eight counters.
    static func size(of contribution: Contribution) -> Int {
        contribution.sessionID.utf8.count + contribution.userID.utf8.count + 256
    }
}
