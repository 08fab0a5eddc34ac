import TandemStore

extension ChangeEvent {
    /// For a share-link viewer replaying the log: a turn that has since been undone, cleared or rewound
    /// keeps its place (its seq and event seq), but not its text or metadata. Members who want them ask
    /// `history` with `include_undone`; a link made after `/clear` must not show what was cleared.
    mutating func hideRetiredTurn() {
        guard var turn, turn.state != .live else { return }
        turn.content = ""
        turn.metadata = [:]
        self.turn = turn
    }
}
