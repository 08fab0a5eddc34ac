import TandemStore

extension ChangeEvent {
    /// For a share-link viewer replaying the log: a turn that has since been undone, cleared or rewound
    /// keeps its place (its seq and event seq), but not its text or metadata, and a comment on such a
    /// turn not its text. Members who want them ask `history` with `include_undone`; a link made
    /// after `/clear` must not show what was cleared.
    mutating func hideRetired() {
        if var turn, turn.state != .live {
            turn.content = ""
            turn.metadata = [:]
            self.turn = turn
        }
        if kind == .comment, commentedTurnRetired {
            comment?.body = ""
            if case .object(var fields)? = data {
                fields["body"] = ""
                data = .object(fields)
            }
        }
    }
}

extension ChangeEvent {
    /// The field of `data` a `session` event gives as its `detail`: a restore's checkpoint name, a
    /// merge's branch id, an unparenting's former parent id.
    var detailField: String {
        switch kind {
        case .restore: "name"
        case .unparent: "parent"
        default: "branch"
        }
    }

    /// Whether this entry's event tells a share-link viewer something its reads do not show, live
    /// or replayed: a restore's checkpoint name (`checkpoint.list` is forbidden to it), a merge's
    /// branch id (`branch.*` is) and an unparented branch's former parent (another session, gone).
    /// Such events are rare, so they alone get a frame per audience; a `turn` never does (it keeps
    /// one shared frame for everyone).
    var hasViewerHiddenDetail: Bool {
        (kind == .restore || kind == .branchMerge || kind == .unparent) && data?[detailField] != nil
    }

    /// Drops what `hasViewerHiddenDetail` finds, so the `session` event goes without `detail`.
    mutating func hideViewerDetail() {
        guard hasViewerHiddenDetail, case .object(var fields)? = data else { return }
        fields[detailField] = nil
        data = .object(fields)
    }
}
