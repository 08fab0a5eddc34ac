import FuzzStore
import FuzzSupport
import TandemJSON
import TandemStore

/// Fuzzes session imports through a real store: the document text read in place by `ImportScan`
/// (`tandem-admin sessions import`), the same document parsed first (`session.import`, as an
/// administrator would and as a member does, claimed by them), and the checks both share. The
/// input's bytes are the document.
/// - every document is imported or refused with a code the server maps to a client error
///   (`invalid_json`, `invalid_argument`, `too_large`, `limit_exceeded`), never another;
/// - an object the JSON parser reads is imported or refused alike in place and parsed (same code);
/// - an imported session exports what the document holds: every field of the export equal to the
///   document's or, left out there, its default: null, false, 0, empty (the session id aside; `users` are the store's,
///   who may predate the document; the session's `updated_at` is the import's own stamp, the time of
///   its audit entry, so that pollers find it); the parsed import exports the same; that export
///   imports back and exports identically (but for that stamp);
/// - a refused import leaves no session behind.
enum ImportFuzz {
    static let allowed: Set<StoreError.Code> = [.invalidJSON, .invalidArgument, .tooLarge, .limitExceeded]
    // Safe: libFuzzer runs one input at a time on one thread.
    nonisolated(unsafe) static var inputs = 0

    // Safe: libFuzzer runs one input at a time on one thread.
    nonisolated(unsafe) static let stores = FuzzStore("import", configure: { $0.importStepRows = 3 }) { store throws(StoreError) in
        _ = try store.createUser(id: "alice", displayName: "Alice")
    }

    // Safe: the input is borrowed for this call only (libFuzzer's or FuzzReplay's buffer); nothing keeps a pointer into it.
    static func run(_ data: UnsafeRawBufferPointer) {
        let store = stores.next()
        // Ids never used before in this store: a deleted session's id is imported with `created_at`
        // moved on (so that clients resync), which would make an input's outcome depend on the last.
        inputs += 1
        let (scan, tree, again, claimed) = ("scan-\(inputs)", "tree-\(inputs)", "again-\(inputs)", "claimed-\(inputs)")
        defer { for id in [scan, tree, again, claimed] { try? store.adminDeleteSession(id: id) } }
        let scanned = outcome(store, scan) { () throws(StoreError) in try store.importSession(json: data, asID: scan, actor: "admin") }
        // The wire hands the store only an object (`session.import`'s `document` must be one).
        let parsedDocument = try? JSONValue(parsing: data)
        let document: JSONValue? = parsedDocument?.objectValue == nil ? nil : parsedDocument
        if let document {
            let parsed = outcome(store, tree) { () throws(StoreError) in try store.importSession(document, asID: tree, actor: "admin") }
            fuzzCheck(scanned?.kind == parsed?.kind, "imported in place: \(scanned?.description ?? "accepted"); parsed: \(parsed?.description ?? "accepted")")
            _ = outcome(store, claimed) { () throws(StoreError) in try store.importSession(document, asID: claimed, claimedBy: "alice") }
        }
        guard scanned == nil else { return }

        let export = exported(store, scan)
        stamped(store, scan, export)
        if let document {
            fuzzCheck(holds(export, in: commentEventsNumbered(withRowsInHistory(inExportOrder(document))), path: []), "the export is not what the document holds: \(export.serialized())")
            let parsed = exported(store, tree)
            stamped(store, tree, parsed)
            fuzzCheck(capped(renamed(parsed, scan), document) == capped(export, document), "the parsed import exports something else")
        }
        let text = Array(export.serialized().utf8)
        let back = outcome(store, again) { () throws(StoreError) in try store.importSession(json: text, asID: again, actor: "admin") }
        fuzzCheck(back == nil, "an export does not import back: \(back?.description ?? "")")
        let exportedBack = exported(store, again)
        stamped(store, again, exportedBack)
        fuzzCheck(unstamped(renamed(exportedBack, scan)) == unstamped(export), "export → import → export changed the document")
    }

    /// The refusal of `body` (nil when it imported), checked to be one of `allowed` and to leave no session `id`.
    static func outcome(_ store: Store, _ id: String, _ body: () throws(StoreError) -> Session) -> StoreError? {
        do {
            let session = try body()
            fuzzCheck(session.id == id, "imported as \(session.id), not \(id)")
            return nil
        } catch {
            fuzzCheck(allowed.contains(error.kind), "import refused with \(error)")
            fuzzCheck((try? store.adminExportSession(id: id)) == nil, "a refused import (\(error)) left session \(id)")
            return error
        }
    }

    static func exported(_ store: Store, _ id: String) -> JSONValue {
        do { return try store.adminExportSession(id: id) } catch {
            fuzzCheck(false, "cannot export the imported session \(id): \(error)")
            return .null
        }
    }

    /// `export` with the session's id set to `id`.
    static func renamed(_ export: JSONValue, _ id: String) -> JSONValue {
        guard case .object(var top) = export, case .object(var session) = top["session"] ?? .null else { return export }
        session["id"] = .string(id)
        top["session"] = .object(session)
        return .object(top)
    }

    /// Whether every field of `export` is in `document` with an equal value (`users` and the
    /// session's id excepted) or left out there and empty here, and every list as long.
    /// `document` with its comment events' ids as the export numbers them: the n-th comment event
    /// that names an id names comment n (ids are numbered server-wide, so a document's are places).
    static func commentEventsNumbered(_ document: JSONValue) -> JSONValue {
        guard case .object(var top) = document, case .array(var events)? = top["events"] else { return document }
        var comments: Int64 = 0
        for (i, event) in events.enumerated() {
            guard case .object(var fields) = event, fields["kind"] == .string("comment"),
                  case .object(var data)? = fields["data"], data["id"] != nil else { continue }
            comments += 1
            data["id"] = .integer(comments)
            fields["data"] = .object(data)
            events[i] = .object(fields)
        }
        top["events"] = .array(events)
        return .object(top)
    }

    /// `document` with the lists an import takes in any order as the export orders them: members and
    /// contributions by user, rows by key (byte order, as SQLite's BINARY collation); a stable sort.
    static func inExportOrder(_ document: JSONValue) -> JSONValue {
        guard case .object(var top) = document else { return document }
        for (list, key) in [("members", "user"), ("contributions", "user"), ("rows", "key")] {
            guard case .array(let items)? = top[list] else { continue }
            top[list] = .array(items.enumerated().sorted { a, b in
                guard let x = a.element[key]?.stringValue, let y = b.element[key]?.stringValue, x != y else { return a.offset < b.offset }
                return Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8))
            }.map(\.element))
        }
        return .object(top)
    }

    /// `document` with what the import adds to `row_history`: each current row its history lacks
    /// (ImportChecks: a write based on its version can then be merged), in the export's order (key
    /// bytes, then version, as SQLite's BINARY collation orders them).
    static func withRowsInHistory(_ document: JSONValue) -> JSONValue {
        guard case .object(var top) = document, case .array(let history)? = top["row_history"],
              case .array(let rows)? = top["rows"] else { return document }
        func place(_ r: JSONValue) -> ([UInt8], Int64)? {
            guard let key = r["key"]?.stringValue, let version = r["version"]?.intValue else { return nil }
            return (Array(key.utf8), version)
        }
        let held = Set(history.compactMap { place($0).map { "\($0.0)/\($0.1)" } })
        let added = rows.filter { r in place(r).map { !held.contains("\($0.0)/\($0.1)") } ?? false }
        guard !added.isEmpty else { return document }
        let all = (history + added).enumerated().sorted { a, b in
            guard let x = place(a.element), let y = place(b.element) else { return a.offset < b.offset }
            return x.0 != y.0 ? x.0.lexicographicallyPrecedes(y.0) : x.1 != y.1 ? x.1 < y.1 : a.offset < b.offset
        }
        top["row_history"] = .array(all.map(\.element))
        return .object(top)
    }

    /// Checks that the session `id`'s `updated_at` in `export` is its import's stamp: the time of the
    /// import's audit entry, written in the transaction that made the session appear.
    static func stamped(_ store: Store, _ id: String, _ export: JSONValue) {
        let entry = (try? store.auditLog(session: id, limit: 10))?.first { $0.action == "session.import" }
        fuzzCheck(entry != nil && export["session"]?["updated_at"] == .integer(entry!.at),
                  "session \(id)'s updated_at \(export["session"]?["updated_at"]?.serialized() ?? "-") is not its import's stamp \(entry?.at ?? -1)")
    }

    /// `export` without its session's `updated_at`, which is each import's own stamp (`stamped`).
    static func unstamped(_ export: JSONValue) -> JSONValue {
        guard case .object(var top) = export, case .object(var session)? = top["session"] else { return export }
        session["updated_at"] = .null
        top["session"] = .object(session)
        return .object(top)
    }

    /// Two imports of one document differ in their stamps (`stamped`), and in what an archived or
    /// paused session lacks and takes from the document's `updated_at` capped at that stamp
    /// (SessionImport: a document dated in the future would hold the writer's stamps at its date):
    /// those are left out of the comparison.
    static func capped(_ export: JSONValue, _ document: JSONValue) -> JSONValue {
        let export = unstamped(export)
        guard case .object(var top) = export, case .object(var session)? = top["session"],
              case .object(let documentTop) = document, case .object(let documentSession)? = documentTop["session"],
              documentSession["updated_at"]?.intValue != nil else { return export }
        // Filled, each is checked against its own stamp (`holds`).
        for key in sinceStatus.keys where documentSession[key] == nil || documentSession[key]?.isNull == true { session[key] = .null }
        top["session"] = .object(session)
        return .object(top)
    }

    /// The session fields an import fills from `updated_at` when left out, by the status they go with.
    static let sinceStatus = ["archived_at": "archived", "paused_at": "paused"]

    static func holds(_ export: JSONValue, in document: JSONValue, path: [String]) -> Bool {
        if path == ["users"] || path == ["session", "id"] { return true }
        switch (export, document) {
        case (.object(let e), .object(let d)):
            // A field the document leaves out is exported as its default (null, false, 0, empty); an
            // archived (paused) session's left-out `archived_at` (`paused_at`) as its `updated_at`
            // (SessionImport: else it would never be purged); a checkpoint's `event_seq` as found.
            return e.allSatisfy { key, value in
                if [["users"], ["session", "id"]].contains(path + [key]) { return true }
                // The session's `updated_at` is the import's own stamp (`stamped`).
                if path == ["session"], key == "updated_at" { return value.intValue != nil }
                if let held = d[key], !(path == ["session"] && held.isNull && Self.sinceStatus[key] != nil) {
                    return holds(value, in: held, path: path + [key])
                }
                // The document's `updated_at`, capped at the import's stamp.
                if path == ["session"], let status = Self.sinceStatus[key], d["status"] == .string(status),
                   let asked = d["updated_at"]?.intValue, let stamp = e["updated_at"]?.intValue {
                    return value == .integer(min(asked, stamp))
                }
                // A checkpoint of an export older than event_seq: the import finds it from the events.
                if path.count == 2, path[0] == "checkpoints", key == "event_seq" { return value.intValue != nil }
                return [.null, .bool(false), .integer(0), .string(""), .array([]), .object([:])].contains(value)
            }
        case (.array(let e), .array(let d)):
            return e.count == d.count && zip(e, d).enumerated().allSatisfy { holds($1.0, in: $1.1, path: path + ["\($0)"]) }
        default:
            return export == document
        }
    }
}

#if TANDEM_FUZZ
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // Safe: libFuzzer owns `data` (`size` bytes) for this call only; the run keeps no pointer into it.
    ImportFuzz.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
#else
@main
enum Replay {
    static func main() { FuzzReplay.main(name: "fuzz-import", ImportFuzz.run) }
}
#endif
