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
