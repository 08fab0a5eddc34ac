import Foundation
import TandemJSON
import TandemProtocol
import TandemClientKit

/// Runs parsed slash commands against the server and prints their outcome. Any failure (including the
/// server's `forbidden` with its reason) becomes one error line; nothing here ends the program.
extension InteractiveSession {
    /// Runs one command; false when the view should close (the session itself is gone).
    func run(_ command: SlashCommand) -> Bool {
        do {
            switch command {
            case .delete, .discard:
                try performDeletion(command)
                return false
            default:
                try perform(command)
            }
        } catch {
            // A refused `/discard` says why in the user's terms (merged, not a branch) instead of the
            // server's "not an open branch".
            let refusal = command == .discard ? discardRefusal(error, branch: sessionID) { (ref) throws(ClientError) in
                try call(.sessionGet(ref), as: SessionResult.self).session
            } : nil
            if let refusal { screen.print(renderer.error(refusal.message)) } else { report(error) }
        }
        return true
    }

    /// One rule for what a change prints: a change the server announces with an event (a turn undone,
    /// a comment, a row written, a role, a clear, a restore, a status or title) prints nothing of its
    /// own, since the event reaches this view as it reaches every member's and is the confirmation
    /// (printing both showed every change twice). The command's own line is for what no event tells
    /// this view: a failure, nothing done (`nothing to clear`), a checkpoint, branch, share link or
    /// template made, the view closing (`/delete`, `/discard`), and a merge's turns and rows (the
    /// branch's only event is its archiving). Scripts (`tandem undo` and the rest) have no events and
    /// keep their confirmations.
    private func perform(_ command: SlashCommand) throws(ClientError) {
        let s = sessionID
        switch command {
        case .help:
            screen.print(lines: SlashCommand.help(width: Output.terminalColumns()))
        case .exit:
            break
        case .history(let count):
            let result = try call(.history(HistoryParams(session: s, selector: .last(Int64(count)))), as: HistoryResult.self)
            if result.turns.isEmpty { screen.print(renderer.notice("no turns yet")) }
            screen.print(lines: result.turns.map(renderer.turn))
        case .undo:
            _ = try request(.turnUndo(UndoParams(session: s)))
        case .clear:
            let value = try request(.sessionClear(SessionRef(session: s)))
            // 0: no live turn was left, so nothing was cleared and no event comes to say so.
            if value["cleared_through"]?.intValue == 0 { screen.print(renderer.notice("nothing to clear")) }
        case .who:
            let members = try allMembers(session: s)
            screen.print(lines: members.map(renderer.member))
            screen.print(renderer.presence(state.withLock { $0.online.sorted }))
        case .state(let key):
            let rows = try stateRows(session: s, key: key) { (params) throws(ClientError) in try call(.stateGet(params), as: StateGetResult.self) }
            state.withLock { st in for row in rows { st.versions[row.key] = row.version } }
            if rows.isEmpty { screen.print(renderer.notice(key.map { "no row \($0)" } ?? "no state rows yet")) }
            screen.print(lines: rows.map(renderer.stateRow))
        case .set(let key, let value):
            var base = state.withLock { $0.versions[key] }
            if base == nil {
                // Unknown key (or after a restore): read the version so the write states what we saw.
                let rows = try call(.stateGet(StateGetParams(session: s, key: key)), as: StateGetResult.self).rows
                base = rows.first?.version ?? 0
            }
            write(StatePutParams(session: s, key: key, value: value, base: base ?? 0))
        case .comment(let seq, let text):
            _ = try call(.commentAdd(CommentAddParams(session: s, seq: seq, text: text)), as: CommentResult.self)
        case .checkpoint(let name):
            let result = try call(.checkpointSave(CheckpointParams(session: s, name: name)), as: CheckpointResult.self)
            screen.print(renderer.notice("checkpoint \(name) saved at #\(result.checkpoint.seq)"))
        case .restore(let name):
            _ = try call(.checkpointRestore(CheckpointParams(session: s, name: name)), as: CheckpointResult.self)
        case .branch(let name):
            let result = try call(.branchCreate(BranchCreateParams(session: s, title: name)), as: SessionResult.self)
            screen.print(renderer.notice("branch \(result.session.id) created; open it with: tandem open \(result.session.id)"))
        case .merge:
            let result = try call(.branchMerge(BranchMergeParams(session: s)), as: BranchMergeResult.self)
            if result.merged {
                let range = result.firstSeq.map { f in " turns #\(f)…#\(result.lastSeq ?? f)" } ?? ""
                screen.print(renderer.notice("merged into the parent:\(range); \(mergedRows(result))"))
            } else {
                screen.print(renderer.error("not merged: rows conflict; nothing was written"))
                for row in result.conflicts {
                    screen.print(lines: renderer.conflict(key: row.key, current: nil, conflicts: row.conflicts).dropLast())
                }
                if result.conflictsMore {
                    screen.print(renderer.error("more rows conflict than these; settle them and /merge again to see the rest"))
                }
            }
        case .export(let file, let force):
            // An earlier export (or any file) is not replaced unasked, as `tandem-admin export -o` does.
            if !force, FileManager.default.fileExists(atPath: file) {
                screen.print(renderer.error("\(file) exists; to replace it: /export \(file) --force"))
                return
            }
            // URL's, not NSString's deletingLastPathComponent: that one traps on a one-character
            // path in this toolchain's Foundation (`/export a` ended the client).
            let directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
            if !FileManager.default.fileExists(atPath: directory) {
                screen.print(renderer.error("cannot write \(file): there is no directory \(directory)"))
                return
            }
            let result = try call(.sessionExport(SessionRef(session: s)), as: ExportResult.self)
            do {
                try (result.document.serialized() + "\n").write(toFile: file, atomically: true, encoding: .utf8)
                screen.print(renderer.notice("exported to \(file)"))
            } catch {
                screen.print(renderer.error("cannot write \(file): \(error.localizedDescription)"))
            }
        case .share(let seconds):
            let result = try call(.shareCreate(ShareCreateParams(session: s, expiry: .inSeconds(seconds))), as: ShareCreateResult.self)
            let link = ShareURL.absolute(result.url, webSocketURL: settings.webSocketURL)
            screen.print(renderer.notice("share link \(result.share.id) (read-only, until \(renderer.date(result.share.expires))): \(link)"))
        case .role(let user, let roleName):
            guard let role = Role(rawValue: roleName) else { return }
            let params = MemberRoleParams(session: s, user: user, role: role)
            do {
                _ = try call(.memberSetRole(params), as: MemberResult.self)
            } catch .server(let e) where e.code == .notFound {
                _ = try call(.memberAdd(params), as: MemberResult.self)
            }
        case .stats:
            let list = try allContributions(ContributionsParams(session: s))
            screen.print(lines: renderer.contributions(list))
        case .info, .title, .metadata, .pause, .resume, .archive, .comments, .remove, .checkpoints, .branches,
             .template, .templates, .shares, .revoke, .search, .delete, .discard:
            try performManagement(command)
        }
    }
}
