import TandemJSON

/// A session created from a template, written the way an import is (`SessionImport`): the
/// session hidden first, its rows `importStepRows` a transaction, then its members, id and
/// status in the last one, which shows it whole. A template of 10^5 rows wrote them all in one
/// job, and every session's commits waited for it (see docs/benchmarks.md).
enum TemplateSession {
    /// What the steps need: the hidden session and the template's parts, read before writing.
    struct Plan: Sendable {
        var sid: Int64
        var newID: String
        var actor: String
        var members: [JSONValue]
        /// The rows, sorted by key (the order the one-job create wrote them in).
        var rows: [(key: String, value: JSONValue)]
    }

    /// The template's body, read on a snapshot (parsing a big body is no work for the writer).
    static func body(_ db: Database, name: String, actor: String) throws(StoreError) -> JSONValue {
        guard let body = try db.queryOne("SELECT body FROM templates WHERE created_by = ? AND name = ?", [.text(actor), .text(name)],
                                         { row throws(StoreError) in try row.json(0) })
        else { throw StoreError.notFound("template \(name)") }
        return body
    }

    /// Checks the id and the actor's quota, and inserts the session hidden (it counts towards the
    /// actor's sessions from here, so two creates cannot both take the last place).
    static func begin(_ ctx: WriteContext, body: JSONValue, actor: String, newID: String, title: String?) throws(StoreError) -> Plan {
        let db = ctx.db
        guard try db.userExists(actor) else { throw StoreError.notFound("user \(actor)") }
        try SessionImport.requireFree(db, newID)
        try Quotas.requireSessionRoom(ctx, owner: actor)
        let sid = try SessionImport.insertHidden(ctx, [
            ("title", .text(title ?? body["title"]?.stringValue ?? "")), ("owner", .text(actor)),
            ("metadata", .text((body["metadata"] ?? [:]).serialized())), ("created_at", .integer(ctx.now)),
        ])
        let rows = (body["rows"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }).map { (key: $0.key, value: $0.value) }
        return Plan(sid: sid, newID: newID, actor: actor, members: body["members"]?.arrayValue ?? [], rows: rows)
    }

    /// Writes rows `range` of the plan into the hidden session (version 1, by the actor). Not
    /// counted in the actor's contributions: nobody wrote them here (as a branch's copies).
    static func fill(_ ctx: WriteContext, _ plan: Plan, _ range: Range<Int>) throws(StoreError) {
        try SessionImport.keepAlive(ctx, sid: plan.sid)
        for row in plan.rows[range] {
            _ = try Rows.store(ctx, sid: plan.sid, actor: plan.actor, key: row.key, value: row.value, text: nil, version: 1,
                               merged: false, counted: false)
        }
    }

    /// The actor as owner, the template's members that still exist (an owner there becomes an
    /// admin: a session has the owners its creator chose), then the id and status: it appears.
    static func publish(_ ctx: WriteContext, _ plan: Plan) throws(StoreError) -> Session {
        let db = ctx.db
        try SessionImport.keepAlive(ctx, sid: plan.sid)
        try SessionImport.requireFree(db, plan.newID)
        try db.run("INSERT INTO members(sid, user_id, role, added_at) VALUES (?,?,?,?)",
                   [.integer(plan.sid), .text(plan.actor), .text(Role.owner.rawValue), .integer(ctx.now)])
        for member in plan.members {
            guard let user = member["user"]?.stringValue, user != plan.actor,
                  var role = member["role"]?.stringValue.flatMap(Role.init(rawValue:)),
                  try db.userExists(user) else { continue }
            if role == .owner { role = .admin }
            try Quotas.requireMemberRoom(ctx, sid: plan.sid)
            try db.run("INSERT INTO members(sid, user_id, role, added_at) VALUES (?,?,?,?)",
                       [.integer(plan.sid), .text(user), .text(role.rawValue), .integer(ctx.now)])
        }
        let created = try SessionIncarnation.madeNow(ctx, id: plan.newID)
        try db.run("UPDATE sessions SET id = ?, status = 'active', created_at = ?, updated_at = ? WHERE sid = ?",
                   [.text(plan.newID), .integer(created), .integer(created), .integer(plan.sid)])
        return try SessionRows.load(db, sid: plan.sid)
    }
}
