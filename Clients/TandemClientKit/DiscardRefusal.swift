import TandemProtocol

/// Why a branch could not be discarded, in the user's terms. The server answers every such refusal
/// with `conflict` "X is not an open branch" (or `not_found`); the client then reads the session
/// (`session.get`) and says which case it is: merged (kept as the record of its merge), never a branch,
/// or gone. `docs/protocol.md`, `branch.discard`: a branch whose parent was discarded is still
/// discarded, so a refused session with no `parent` is one that never was a branch.
extension Renderer {
    /// `session` is what `session.get` answered for `branch` after the refusal (nil: `not_found`).
    public func discardRefusal(branch: String, session: SessionInfo?) -> String {
        let id = PrintableText.line(branch)
        guard let session else {
            return "no session \(id) to discard: it does not exist, was already discarded or deleted, or you are not a member of it"
        }
        guard let parent = session.parent else {
            return "\(id) is not a branch (it was not forked from another session), so there is nothing to discard;"
                + " to delete the session itself: tandem delete \(id) --yes"
        }
        // Open branches are discarded whatever their status; a refused one with a parent was merged,
        // which archived it (nothing is written to an archived session, so `updated` is the merge's time).
        return "\(id) was merged into \(PrintableText.line(parent.session)) on \(date(session.updated)) and is kept, archived, as the"
            + " record of that merge; to delete it anyway: tandem delete \(id) --yes"
    }
}
