import TandemJSON

extension Store {
    /// Saves a session's settings (title, metadata), members and current rows as a template of
    /// `actor`'s (admin+), named `name` among theirs: only they may list it or create sessions
    /// from it. `already_exists` when they have one of that name; `limit_exceeded` when they
    /// have `maxTemplatesPerUser`.
    public func saveTemplate(session: String, actor: String, name: String) throws(StoreError) -> Template {
        try Validate.text(name, what: "template name", max: 512)
        return try write { ctx throws(StoreError) in
            let ref = try ctx.db.authorize(.templateSave, session: session, actor: actor)
            if try ctx.db.scalar("SELECT 1 FROM templates WHERE created_by = ? AND name = ?", [.text(actor), .text(name)]) != nil {
                throw StoreError(.alreadyExists, "template \(name) already exists")
            }
            try Quotas.requireTemplateRoom(ctx, user: actor)
            let source = try SessionRows.load(ctx.db, sid: ref.sid)
            let members = try Members.list(ctx.db, sid: ref.sid).map { m -> JSONValue in
                ["user": .string(m.userID), "role": .string(m.role.rawValue)]
            }
            var rows: [String: JSONValue] = [:]
            for row in try ctx.db.query("SELECT key, version, value, author, updated_at, merged FROM state_rows WHERE sid = ?",
                                        [.integer(ref.sid)], RowRows.map) {
                rows[row.key] = row.value
            }
            let body: JSONValue = ["title": .string(source.title), "metadata": source.metadata, "source": .string(session),
                                   "members": .array(members), "rows": .object(rows)]
            let template = Template(id: RandomID.make(), name: name, body: body, createdBy: actor, createdAt: ctx.now)
            try ctx.db.run("INSERT INTO templates(id, name, body, created_by, created_at, source) VALUES (?,?,?,?,?,?)",
                           [.text(template.id), .text(name), .json(body), .text(actor), .integer(ctx.now), .text(session)])
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
    /// rows start at version 1 written by `actor`.
    public func createSession(fromTemplate name: String, actor: String, id: String? = nil,
                              title: String? = nil) throws(StoreError) -> Session {
        let newID = id ?? RandomID.make()
        try Validate.identifier(newID, what: "session id")
        if let title { try Validate.text(title, what: "title", max: configuration.maxTitleBytes, allowEmpty: true) }
        return try write { ctx throws(StoreError) in
            let db = ctx.db
            guard let body = try db.queryOne("SELECT body FROM templates WHERE created_by = ? AND name = ?", [.text(actor), .text(name)],
                                             { row throws(StoreError) in try row.json(0) })
            else { throw StoreError.notFound("template \(name)") }
            try Quotas.requireSessionRoom(ctx, owner: actor)
            let sid = try Sessions.insert(db, id: newID, title: title ?? body["title"]?.stringValue ?? "",
                                          owner: actor, metadata: (body["metadata"] ?? [:]).serialized(), now: ctx.now)
            for member in body["members"]?.arrayValue ?? [] {
                guard let user = member["user"]?.stringValue, user != actor,
                      var role = member["role"]?.stringValue.flatMap(Role.init(rawValue:)),
                      try db.userExists(user) else { continue }
                if role == .owner { role = .admin }
                try Quotas.requireMemberRoom(ctx, sid: sid)
                try db.run("INSERT INTO members(sid, user_id, role, added_at) VALUES (?,?,?,?)",
                           [.integer(sid), .text(user), .text(role.rawValue), .integer(ctx.now)])
            }
            for (key, value) in (body["rows"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                _ = try Rows.store(ctx, sid: sid, actor: actor, key: key, value: value, text: nil, version: 1, merged: false)
            }
            return try SessionRows.load(db, sid: sid)
        }
    }
}
