import TandemJSON

extension Store {
    /// The whole session as one JSON document (admin+): session, users it references, members,
    /// turns, comments, rows with full history, checkpoints, contributions and the change log.
    /// Serialized with sorted keys, so equal sessions give identical bytes.
    ///
    /// Read from one snapshot on a reader, so a big export never holds up commits (counters staged
    /// by the writer are written in the commit that made them: a snapshot has them exact).
    public func exportSession(id: String, actor: String) throws(StoreError) -> JSONValue {
        try read { db throws(StoreError) in
            try SessionExport.export(db, sid: try db.authorize(.export, session: id, actor: actor).sid)
        }
    }

    /// The same document as JSON text (the bytes of `exportSession(...).serialized()`), written
    /// straight into memory the caller provides, with no tree and no second copy: a first pass over
    /// the snapshot counts it (without writing it), then `make(byteCount, write)` is called, and `write` fills a buffer
    /// of exactly `byteCount` bytes in a second pass over the same snapshot (false if that failed;
    /// this call then throws). A document over `maxBytes` is `too_large`: refused before anything
    /// is read when its text alone is over (a lower bound from SQL sums), else as soon as the count
    /// passes the limit.
    public func exportSession<T: Sendable>(
        id: String, actor: String, maxBytes: Int,
        // Safe: `write` is lent to `make` for the call; its buffer must be `count` bytes (checked below) and is written only inside it
        into make: @escaping @Sendable (_ byteCount: Int, _ write: (UnsafeMutableRawBufferPointer) -> Bool) -> T
    ) throws(StoreError) -> T {
        try read { db throws(StoreError) in
            let sid = try db.authorize(.export, session: id, actor: actor).sid
            let atLeast = try SessionExport.sizeLowerBound(db, sid: sid)
            guard atLeast <= maxBytes else {
                throw StoreError(.tooLarge, "the export of session \(id) is over \(atLeast) bytes; the limit is \(maxBytes)")
            }
            let counter = ExportByteCounter(limit: maxBytes) {
                StoreError(.tooLarge, "the export of session \(id) is larger than the limit of \(maxBytes) bytes")
            }
            try SessionExport.emit(db, sid: sid, into: counter)
            try counter.finish()
            let count = counter.count
            var failure: StoreError?
            let made = make(count) { buffer in
                guard buffer.count == count else { return false }
                var written = 0
                let writer = ExportTextWriter(chunkBytes: 64 << 10) { chunk in
                    guard chunk.count <= count - written else { return false }
                    // Safe: in bounds (checked above); the caller's buffer outlives this call.
                    chunk.withUnsafeBytes { (buffer.baseAddress! + written).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                    written += chunk.count
                    return true
                }
                do throws(StoreError) {
                    try SessionExport.emit(db, sid: sid, into: writer)
                    try writer.finish()
                } catch {
                    failure = error
                }
                return failure == nil && written == count
            }
            if let failure { throw failure }
            return made
        }
    }

    /// Export as compact JSON text.
    public func exportSessionText(id: String, actor: String) throws(StoreError) -> String {
        try exportSession(id: id, actor: actor).serialized()
    }

    /// Imports a document made by `exportSession` (an administrative operation: no member check).
    /// Keeps the session id (or uses `asID`); `conflict` when it exists; users missing here are
    /// created from the document (and kept if the import fails). `invalid_json` /
    /// `invalid_argument` for a malformed document. The text is read as it is imported, never
    /// held as one tree: memory is the text plus one chunk of records.
    ///
    /// Written in chunks of `importStepRows` records, a transaction each (pausing `stepPause`
    /// times as long as each took), into a hidden session that appears whole in the last one (see
    /// `SessionImport`): a big import never holds the write lock for long, and a failed one leaves
    /// no session (its rows are removed like a deleted session's).
    public func importSession(json text: String, asID: String? = nil, actor: String = "system") throws(StoreError) -> Session {
        try importSession(json: Array(text.utf8), asID: asID, actor: actor)
    }

    /// `importSession(json:)` from UTF-8 bytes (a file read whole, without a copy into a `String`).
    public func importSession(json bytes: [UInt8], asID: String? = nil, actor: String = "system") throws(StoreError) -> Session {
        // Safe: the bytes are lent to the import for the call; it copies what it keeps
        try bytes.withUnsafeBytes { text in
            Result { () throws(StoreError) in try importSession(json: text, asID: asID, actor: actor) }
        }.get()
    }

    /// `importSession(json:)` from UTF-8 bytes the caller keeps valid for the whole call (a mapped
    /// file: the document is read in place, never copied). The scan borrows them and ends with the call.
    // Safe: the scan borrows `text` only until this call returns, as the doc comment requires of the caller
    public func importSession(json text: UnsafeRawBufferPointer, asID: String? = nil, actor: String = "system") throws(StoreError) -> Session {
        try importInSteps(try ImportScan(text), asID: asID, actor: actor)
    }

    /// Imports a document already parsed (one that came over the wire). With `claimedBy`, that
    /// user owns the new session and is its only member, and no user is created: a member may
    /// import only into their own hands (the document's members and owner stand for nobody's
    /// consent). Turns, comments and rows keep the authors the document names.
    public func importSession(_ document: JSONValue, asID: String? = nil, actor: String = "system",
                              claimedBy claimant: String? = nil) throws(StoreError) -> Session {
        try importInSteps(ImportTree(document: document), asID: asID, actor: claimant ?? actor, claimant: claimant)
    }

    private func importInSteps(_ doc: any ImportSource, asID: String?, actor: String, claimant: String? = nil) throws(StoreError) -> Session {
        if let asID {
            do { try Validate.identifier(asID, what: "session id") } catch { throw error.blaming("session") }
        }
        // Any other bad argument is in the document (a record, a list, its format).
        do { return try importSteps(doc, asID: asID, actor: actor, claimant: claimant) } catch { throw error.blaming("document") }
    }

    private func importSteps(_ doc: any ImportSource, asID: String?, actor: String, claimant: String?) throws(StoreError) -> Session {
        let header = try SessionImport.header(doc, asID: asID, claimant: claimant, configuration)
        // The background work's own start: paced, so that its steps do not take it for others' traffic.
        let sid = try write(paced: true) { ctx throws(StoreError) in try SessionImport.begin(ctx, header) }
        return try buildHidden(sid: sid) { () throws(StoreError) in
            let rows = max(1, configuration.importStepRows)
            for list in SessionImport.lists {
                var chunk: [JSONValue] = []
                try doc.forEach(list) { record throws(StoreError) in
                    chunk.append(record)
                    guard chunk.count >= rows else { return }
                    let records = chunk
                    try writeStep { ctx throws(StoreError) in try SessionImport.insert(ctx, sid: sid, list: list, records, header.bounds) }
                    chunk.removeAll(keepingCapacity: true)
                }
                let records = chunk
                if !records.isEmpty {
                    try writeStep { ctx throws(StoreError) in try SessionImport.insert(ctx, sid: sid, list: list, records, header.bounds) }
                }
            }
        } publish: { ctx throws(StoreError) in
            try SessionImport.publish(ctx, sid: sid, header)
            try ctx.db.audit(actor: actor, action: .sessionImport, sessionID: header.id, now: ctx.now)
            return try SessionRows.load(ctx.db, sid: sid)
        }
    }
}
