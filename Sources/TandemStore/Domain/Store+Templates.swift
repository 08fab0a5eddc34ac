import TandemJSON

extension Store {
    /// Saves a session's settings (title, metadata), members and current rows as a template of
    /// `actor`'s (admin+), named `name` among theirs: only they may list it or create sessions
    /// from it. `already_exists` when they have one of that name; `limit_exceeded` when they
    /// have `maxTemplatesPerUser`.
    public func saveTemplate(session: String, actor: String, name: String) throws(StoreError) -> Template {
        try Validate.text(name, what: "template name", max: 512)
        // The body is read on a snapshot, off the writer (a 10^5-row session's took ~300 ms there,
        // every session's commits waiting); the write only checks and inserts it. The template
        // is the session as that snapshot saw it, as it would be had the save come a moment earlier.
        let body = try read { db throws(StoreError) -> JSONValue in
            let ref = try db.authorize(.templateSave, session: session, actor: actor)
            let source = try SessionRows.load(db, sid: ref.sid)
            let members = try Members.list(db, sid: ref.sid).map { m -> JSONValue in
                ["user": .string(m.userID), "role": .string(m.role.rawValue)]
            }
            var rows: [String: JSONValue] = [:]
            for row in try db.query("SELECT key, version, value, author, updated_at, merged FROM state_rows WHERE sid = ?",
                                    [.integer(ref.sid)], RowRows.map) {
                rows[row.key] = row.value
            }
            return ["title": .string(source.title), "metadata": source.metadata, "source": .string(session),
                    "members": .array(members), "rows": .object(rows)]
        }
        let serialized = body.serialized()
        return try write { ctx throws(StoreError) in
            _ = try ctx.db.authorize(.templateSave, session: session, actor: actor)
            if try ctx.db.scalar("SELECT 1 FROM templates WHERE created_by = ? AND name = ?", [.text(actor), .text(name)]) != nil {
                throw StoreError(.alreadyExists, "template \(name) already exists")
            }
            try Quotas.requireTemplateRoom(ctx, user: actor)
            let template = Template(id: RandomID.make(), name: name, body: body, createdBy: actor, createdAt: ctx.now)
            try ctx.db.run("INSERT INTO templates(id, name, body, created_by, created_at, source) VALUES (?,?,?,?,?,?)",
                           [.text(template.id), .text(name), .text(serialized), .text(actor), .integer(ctx.now), .text(session)])
            return template
        }
    }

    /// The templates `user` saved, by name, bodies and all (`templatePage` lists them without).
    public func templates(of user: String) throws(StoreError) -> [Template] {
        try read { db throws(StoreError) in
            try db.query("SELECT id, name, body, created_by, created_at FROM templates WHERE created_by = ? ORDER BY name",
                         [.text(user)]) { row throws(StoreError) in
                Template(id: row.text(0), name: row.text(1), body: try row.json(2), createdBy: row.text(3), createdAt: row.int(4))
            }
        }
    }

    /// Creates a session from one of `actor`'s templates: `actor` becomes its owner; the template's other members
    /// keep their roles (former owners become admins; users that no longer exist are skipped);
    /// rows start at version 1 written by `actor`. Written in steps (`TemplateSession`): a big template
    /// never holds up other writes for long, and the session appears whole.
    public func createSession(fromTemplate name: String, actor: String, id: String? = nil,
                              title: String? = nil) throws(StoreError) -> Session {
        let newID = id ?? RandomID.make()
        try Validate.identifier(newID, what: "session id")
        if let title { try Validate.text(title, what: "title", max: configuration.maxTitleBytes, allowEmpty: true) }
        let body = try read { db throws(StoreError) in try TemplateSession.body(db, name: name, actor: actor) }
        // The background work's own start: paced, so that its steps do not take it for others' traffic.
        let plan = try write(paced: true) { ctx throws(StoreError) in
            try TemplateSession.begin(ctx, body: body, actor: actor, newID: newID, title: title)
        }
        return try buildHidden(sid: plan.sid) { () throws(StoreError) in
            let step = max(1, configuration.importStepRows)
            for start in stride(from: 0, to: plan.rows.count, by: step) {
                let range = start..<min(plan.rows.count, start + step)
                try writeStep { ctx throws(StoreError) in try TemplateSession.fill(ctx, plan, range) }
            }
        } publish: { ctx throws(StoreError) in
            try TemplateSession.publish(ctx, plan)
        }
    }
}
