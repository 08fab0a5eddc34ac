import TandemClientKit
import TandemStore
import Testing

/// `/help` says which commands need an admin, and that matches the server's permission table: a
/// write member read `/share` and `/export` as theirs and was refused by the server.
@Suite struct HelpRoleTests {
    /// Each slash command that acts on the session, with the operation the server checks for it.
    let operations: [String: Operation] = [
        "/history": .history, "/undo": .undoOwn, "/clear": .clear, "/who": .membersList, "/role": .membersSetRole,
        "/remove": .membersRemove, "/state": .stateGet, "/set": .statePut, "/comment": .comment, "/comments": .history,
        "/info": .sessionGet, "/title": .sessionUpdate, "/metadata": .sessionUpdate, "/pause": .sessionPause,
        "/resume": .sessionResume, "/archive": .sessionArchive, "/delete": .sessionDelete,
        "/checkpoint": .checkpointSave, "/checkpoints": .checkpointList, "/restore": .checkpointRestore,
        "/branch": .branchCreate, "/merge": .branchMerge, "/discard": .branchDiscard, "/template": .templateSave,
        "/export": .export, "/share": .shareCreate, "/shares": .shareList, "/revoke": .shareRevoke,
        "/stats": .contributions,
    ]

    @Test func everyCommandThatNeedsAnAdminSaysSo() {
        for line in SlashCommand.helpLines {
            let name = String(line.prefix { $0 != " " })
            guard let operation = operations[name] else { continue }
            let description = line.dropFirst(22)
            let saysAdmin = description.contains("(admin") || description.contains("(owner)")
            #expect(saysAdmin == (Permissions.minimumRole(for: operation) >= .admin), "\(line)")
        }
    }
}
