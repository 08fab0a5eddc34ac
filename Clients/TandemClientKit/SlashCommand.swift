import TandemJSON

/// One slash command typed at the interactive prompt, parsed and checked but not yet run.
public enum SlashCommand: Sendable, Equatable {
    case history(count: Int)
    case undo
    case clear
    case who
    case state(key: String?)
    case set(key: String, value: JSONValue)
    case comment(seq: Int64, text: String)
    case checkpoint(name: String)
    case restore(name: String)
    case branch(name: String)
    case merge
    /// `force`: replace a file that exists (without it, an existing file is left alone).
    case export(file: String, force: Bool = false)
    case share(expiresInSeconds: Int64)
    case role(user: String, role: String)
    case stats
    case help
    case exit
    case info
    case title(String)
    case metadata(JSONValue)
    case pause
    case resume
    case archive
    /// Only ever parsed with its confirmation (`/delete --yes`): there is no way back.
    case delete
    case comments(seq: Int64?)
    case remove(user: String)
    case checkpoints
    case branches
    /// Only ever parsed with its confirmation (`/discard --yes`): there is no way back.
    case discard
    case template(name: String)
    case templates
    case shares
    case revoke(share: String)
    case search(query: String)

    /// The default page for `/history` without a count.
    public static let defaultHistoryCount = 20
    /// The default lifetime of `/share` links: seven days.
    public static let defaultShareSeconds: Int64 = 7 * 86_400

    /// One line per command, for `/help`.
    public static let helpLines: [String] = [
        "/history [N]          show the last N turns (default 20)",
        "/undo                 undo the last turn (yours; admins: anyone's)",
        "/clear --yes          hide every turn so far from everyone (admin)",
        "/who                  members and who is online",
        "/role USER ROLE       add a member or change a role (admin): owner, admin, write, comment, read",
        "/remove USER          remove a member (admin; yourself: leave the session)",
        "/state [KEY]          show shared state rows",
        "/set KEY JSON         write a row on the version you last read or wrote; a clash asks ours, theirs or edit",
        "/comment SEQ TEXT     comment on turn SEQ",
        "/comments [SEQ]       list the comments (on turn SEQ only)",
        "/info                 title, status, owner, turns, branch origin",
        "/title TEXT           rename the session (admin)",
        "/metadata JSON        replace the session's metadata object (admin)",
        "/pause                stop turns, rows and comments until /resume (admin)",
        "/resume               reopen a paused session (admin)",
        "/archive              make the session read-only for good (admin)",
        "/delete --yes         delete the session for everyone, for good (owner)",
        "/checkpoint NAME      save a checkpoint",
        "/checkpoints          list the checkpoints",
        "/restore NAME --yes   rewind everyone to a checkpoint (admin)",
        "/branch NAME          fork this session into a branch titled NAME",
        "/branches             list this session's branches (those you are in)",
        "/merge                merge this branch into its parent (admin of the parent)",
        "/discard --yes        delete this branch, for good (admin)",
        "/template NAME        save this session as your template NAME (admin)",
        "/templates            list your templates",
        "/export FILE          write the session as JSON to FILE (admin; ~ is home; --force replaces it)",
        "/share [--expires 7d] create a read-only share link (admin)",
        "/shares               list the share links (admin)",
        "/revoke LINK_ID       revoke a share link (admin)",
        "/search QUERY         full-text search across your sessions",
        "/stats                contributions per member",
        "/help                 this list",
        "/exit                 leave (Ctrl-D also works)",
    ]

    /// Said under `/help`: how to post a line that itself starts with `/`.
    public static let helpFooter = "A line starting with // is posted as text, with one / removed (//usr/bin posts /usr/bin)."

    /// Every command name `parse` knows (aliases too), without the slash.
    public static let names: Set<String> = [
        "history", "undo", "clear", "who", "stats", "help", "exit", "quit", "merge", "state", "set", "comment",
        "checkpoint", "restore", "branch", "export", "share", "role", "info", "pause", "resume", "archive",
        "checkpoints", "branches", "templates", "shares", "title", "template", "search", "metadata", "delete",
        "discard", "comments", "remove", "revoke",
    ]

    /// The text to post for an input line that starts with `//` (the line minus its first `/`, so a
    /// path or a `/command` can be said as text), or nil for any other line.
    public static func escapedText(_ line: String) -> String? {
        guard let start = line.firstIndex(where: { $0 != " " && $0 != "\t" }),
              line[start...].hasPrefix("//") else { return nil }
        return String(line[line.index(after: start)...])
    }

    /// What an unknown `/name` was likely meant as: a command one or two edits away (`/histroy`),
    /// or the one command it begins (`/hist`).
    static func meant(_ name: String) -> String? {
        let lowered = name.lowercased()
        if names.contains(lowered) { return lowered }
        if let typo = CommandTypo.suggestion(for: lowered, among: names) { return typo }
        let extensions = names.filter { $0.hasPrefix(lowered) }
        // The shortest completion when every other one extends it (`/check` -> checkpoint, not checkpoints).
        guard lowered.count >= 2, let shortest = extensions.min(by: { $0.count < $1.count }),
              extensions.allSatisfy({ $0.hasPrefix(shortest) }) else { return nil }
        return shortest
    }

    /// Parses a line that starts with `/`. Errors say what the command expects.
    /// `home` stands for a leading `~` in a file path (`/export ~/out.json`).
    public static func parse(_ line: String, home: String? = nil) throws(CommandError) -> SlashCommand {
        let trimmed = line.trimmingSpaces()
        guard trimmed.hasPrefix("/") else { throw CommandError("not a command: \(trimmed) (commands start with /)") }
        let (name, rest) = trimmed.dropFirst().splitFirstWord()
        let args = rest.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        switch name {
        case "history":
            guard args.count <= 1 else { throw usage("/history [N]") }
            guard let first = args.first else { return .history(count: defaultHistoryCount) }
            guard let n = Int(first), (1...1000).contains(n) else {
                throw CommandError("/history: N must be a number from 1 to 1000, got '\(first)'")
            }
            return .history(count: n)
        case "undo": try noArgs(args, "/undo"); return .undo
        case "clear":
            try confirmed(args, "/clear --yes", "/clear hides every turn so far from every member, for good (they stay in the audit; no checkpoint brings them back)")
            return .clear
        case "who": try noArgs(args, "/who"); return .who
        case "stats": try noArgs(args, "/stats"); return .stats
        case "help", "?": return .help
        case "exit", "quit", "q": try noArgs(args, "/exit"); return .exit
        case "merge": try noArgs(args, "/merge"); return .merge
        case "state":
            guard args.count <= 1 else { throw usage("/state [KEY]") }
            return .state(key: args.first)
        case "set":
            let (key, json) = rest.splitFirstWord()
            guard !key.isEmpty, !json.isEmpty else { throw usage("/set KEY JSON") }
            do {
                return .set(key: key, value: try JSONValue(parsing: json))
            } catch {
                throw CommandError("/set: the value is not valid JSON (\(error)); strings need quotes: /set \(key) \"text\"")
            }
        case "comment":
            let (seqText, text) = rest.splitFirstWord()
            guard !seqText.isEmpty, !text.isEmpty else { throw usage("/comment SEQ TEXT") }
            guard let seq = Int64(seqText), seq >= 1 else {
                throw CommandError("/comment: SEQ must be a turn number (1 or more), got '\(seqText)'")
            }
            return .comment(seq: seq, text: text)
        case "checkpoint": return .checkpoint(name: try oneArg(rest, "/checkpoint NAME"))
        case "restore":
            // The name may hold spaces; the confirmation is the last word.
            let words = rest.trimmingSpaces()
            guard words.hasSuffix(" --yes") || words == "--yes" else {
                if words.isEmpty { throw usage("/restore NAME --yes") }
                throw CommandError("/restore rewinds the session for every member to checkpoint \(words) (later turns leave history for good, rows go back); confirm with /restore \(words) --yes")
            }
            return .restore(name: try oneArg(String(words.dropLast("--yes".count)), "/restore NAME --yes"))
        case "branch":
            let name = try oneArg(rest, "/branch NAME")
            if let problem = TitleText.problem(name) { throw CommandError("/branch: the branch's \(problem): /branch Plan B") }
            return .branch(name: name)
        case "export":
            // The path is the rest of the line, spaces and all; `~` is the home directory, as in a shell.
            // A last word `--force` replaces an existing file.
            let words = rest.trimmingSpaces()
            let force = words.hasSuffix(" --force") || words == "--force"
            let path = force ? String(words.dropLast(" --force".count)) : words
            return .export(file: try expandingHome(try oneArg(path, "/export FILE [--force]"), home: home), force: force)
        case "share":
            if args.isEmpty { return .share(expiresInSeconds: defaultShareSeconds) }
            guard args.count == 2, args[0] == "--expires" else { throw usage("/share [--expires 7d]") }
            do {
                return .share(expiresInSeconds: try DurationParser.seconds(args[1]))
            } catch {
                throw CommandError("/share: \(error.message)")
            }
        case "role":
            guard args.count == 2 else { throw usage("/role USER ROLE") }
            let roles = ["owner", "admin", "write", "comment", "read"]
            guard roles.contains(args[1]) else {
                throw CommandError("/role: ROLE must be one of \(roles.joined(separator: ", ")), got '\(args[1])'")
            }
            return .role(user: args[0], role: args[1])
        case "info": try noArgs(args, "/info"); return .info
        case "pause": try noArgs(args, "/pause"); return .pause
        case "resume": try noArgs(args, "/resume"); return .resume
        case "archive": try noArgs(args, "/archive"); return .archive
        case "checkpoints": try noArgs(args, "/checkpoints"); return .checkpoints
        case "branches": try noArgs(args, "/branches"); return .branches
        case "templates": try noArgs(args, "/templates"); return .templates
        case "shares": try noArgs(args, "/shares"); return .shares
        case "title":
            let title = try oneArg(rest, "/title TEXT")
            if let problem = TitleText.problem(title) { throw CommandError("/title: \(problem): /title Design review") }
            return .title(title)
        case "template": return .template(name: try oneArg(rest, "/template NAME"))
        case "search":
            let query = try oneArg(rest, "/search QUERY")
            if let problem = SearchableText.problem(query) { throw CommandError("/search: " + problem) }
            return .search(query: query)
        case "metadata":
            guard !rest.isEmpty else { throw usage("/metadata JSON") }
            let value: JSONValue
            do {
                value = try JSONValue(parsing: rest)
            } catch {
                throw CommandError("/metadata: not valid JSON (\(error))")
            }
            guard case .object = value else {
                throw CommandError("/metadata: the value must be a JSON object, like {\"team\":\"core\"} ({} clears it)")
            }
            return .metadata(value)
        case "delete":
            try confirmed(args, "/delete --yes", "/delete removes this session and everything in it for every member, for good")
            return .delete
        case "discard":
            try confirmed(args, "/discard --yes", "/discard deletes this branch and everything in it for every member, for good")
            return .discard
        case "comments":
            guard args.count <= 1 else { throw usage("/comments [SEQ]") }
            guard let first = args.first else { return .comments(seq: nil) }
            guard let seq = Int64(first), seq >= 1 else {
                throw CommandError("/comments: SEQ must be a turn number (1 or more), got '\(first)'")
            }
            return .comments(seq: seq)
        case "remove":
            guard args.count == 1 else { throw usage("/remove USER") }
            return .remove(user: args[0])
        case "revoke":
            guard args.count == 1 else { throw usage("/revoke LINK_ID (the id /shares lists, not the secret)") }
            return .revoke(share: args[0])
        case "":
            throw CommandError("empty command; type /help for the list")
        default:
            let hint = meant(name).map { " (did you mean /\($0)?)" } ?? ""
            throw CommandError("unknown command /\(name)\(hint); type /help for the list, or start the line with // to post it as text")
        }
    }

    private static func usage(_ text: String) -> CommandError { CommandError("usage: \(text)") }

    private static func noArgs(_ args: [String], _ text: String) throws(CommandError) {
        guard args.isEmpty else { throw CommandError("\(text) takes no arguments") }
    }

    /// A command that cannot be undone runs only with `--yes`; without it, say what it would do.
    private static func confirmed(_ args: [String], _ text: String, _ consequence: String) throws(CommandError) {
        if args.isEmpty { throw CommandError("\(consequence); confirm with \(text)") }
        guard args == ["--yes"] else { throw usage(text) }
    }

    /// `~` or `~/rest` with the home directory put in; any other path as typed.
    private static func expandingHome(_ path: String, home: String?) throws(CommandError) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        guard let home, !home.isEmpty else { throw CommandError("/export: HOME is not set, so ~ means nothing; give the full path") }
        if path == "~" { return home }
        return (home.hasSuffix("/") ? String(home.dropLast()) : home) + path.dropFirst()
    }

    private static func oneArg(_ rest: String, _ text: String) throws(CommandError) -> String {
        let value = rest.trimmingSpaces()
        guard !value.isEmpty else { throw usage(text) }
        return value
    }
}

/// A command line the client cannot run, with the reason for the user.
public struct CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and newlines.
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }

    /// The first space-separated word and the trimmed remainder.
    func splitFirstWord() -> (String, String) {
        let text = trimmingSpaces()
        guard let space = text.firstIndex(of: " ") else { return (text, "") }
        return (String(text[..<space]), text[space...].trimmingSpaces())
    }
}
