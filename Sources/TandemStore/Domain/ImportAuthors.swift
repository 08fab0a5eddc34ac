import TandemJSON

/// Who the records of an import over the wire name. A member may import only into their own hands, and
/// the people the document names gave no consent: a turn "by owner" in a document anyone can write would
/// read, to the members it is shown to, as the owner's, and its contributions would count in the owner's
/// totals. So every author other than the claimant is kept as a name marked imported (`bob` becomes
/// `bob@import`), which no account of this server answers to unless an operator makes one so named.
/// The operator's import (`tandem-admin sessions import`) restores authors as they are.
enum ImportAuthors {
    static let suffix = "@import"

    /// `user` as the claimant's import records it.
    static func marked(_ user: String, claimant: String) -> String {
        // An empty name stays empty, for the checks to refuse (marked, it read as the user "@import").
        if user.isEmpty || user == claimant || user.hasSuffix(suffix) { return user }
        // Ids are at most 64 bytes: a long one gives up its end to the mark.
        var base = user
        while base.utf8.count + suffix.utf8.count > 64 { base.removeLast() }
        return base + suffix
    }

    /// `record` of the list `list` with each field that names a user marked.
    static func marking(_ record: JSONValue, list: String, claimant: String) -> JSONValue {
        guard case .object(var fields) = record else { return record }
        func mark(_ key: String) {
            if let user = fields[key]?.stringValue { fields[key] = .string(marked(user, claimant: claimant)) }
        }
        switch list {
        case "turns", "comments", "rows", "row_history": mark("author")
        case "checkpoints": mark("created_by")
        case "contributions": mark("user")
        case "events":
            mark("actor")
            // A membership change names its member too, a change to the session its owner then.
            if fields["kind"]?.stringValue == "member", case .object(var data) = fields["data"] ?? .null,
               let user = data["user"]?.stringValue {
                data["user"] = .string(marked(user, claimant: claimant))
                fields["data"] = .object(data)
            }
            if case .object(var data) = fields["data"] ?? .null, case .object(var after)? = data["after"],
               let owner = after["owner"]?.stringValue {
                after["owner"] = .string(marked(owner, claimant: claimant))
                data["after"] = .object(after)
                fields["data"] = .object(data)
            }
        default: break
        }
        return .object(fields)
    }
}
