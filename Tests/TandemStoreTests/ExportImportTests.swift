import Synchronization
import Foundation
import Testing
import TandemJSON
@testable import TandemStore

@Suite struct ExportImportTests {
    @Test func roundTripIsByteIdentical() throws {
        try withStore { store in
            try makeRichSession(store)
            let first = try store.exportSessionText(id: "s1", actor: "alice")
            // Counted, then written into a buffer of that size (the server's way): the same bytes.
            #expect(try exportBytes(store, maxBytes: 1 << 20) == Array(first.utf8))
            #expect(errorCode { _ = try store.exportSessionText(id: "s1", actor: "bob") } == "forbidden")
            let original = try JSONValue(parsing: first)

            // Imported under another id (its comments get new ids, server-wide): the same document but
            // the id and `updated_at`, the import's own stamp (a poller's `updated_since` finds it).
            let imported = try store.importSession(json: first, asID: "copy")
            let copy = try store.exportSession(id: "copy", actor: "alice")
            let originalUpdated = try #require(original["session"]?["updated_at"])
            #expect(replacing(replacing(copy, session: "id", with: "s1"), session: "updated_at", with: originalUpdated) == original)
            #expect(copy["session"]?["id"] == "copy")
            #expect(copy["session"]?["updated_at"] == .integer(imported.updatedAt))
            #expect(try store.auditLog(session: "copy", limit: 1).first.map { $0.action == "session.import" && $0.at == imported.updatedAt } == true)

            // Deleted and imported under its own id: the same document but `created`, one millisecond
            // on, so that a client resuming with the deleted session's is told to resync.
            _ = try store.deleteSession(id: "s1", actor: "alice")
            let again = try store.importSession(json: first)
            #expect(again.id == "s1")
            let createdAt = try #require(original["session"]?["created_at"]?.intValue)
            #expect(again.createdAt == createdAt + 1)
            let second = try store.exportSession(id: "s1", actor: "alice")
            #expect(second["session"]?["updated_at"] == .integer(again.updatedAt))
            #expect(replacing(replacing(second, session: "created_at", with: .integer(createdAt)), session: "updated_at", with: originalUpdated) == original)
            #expect(errorCode { _ = try store.importSession(json: first) } == "already_exists")
            #expect(try store.search("later").isEmpty) // undone
            #expect(try store.search("héllo").count == 2)
        }
    }

    /// `document` with its session's `field` set to `value`.
    private func replacing(_ document: JSONValue, session field: String, with value: JSONValue) -> JSONValue {
        guard case .object(var top) = document, case .object(var session)? = top["session"] else { return document }
        session[field] = value
        top["session"] = .object(session)
        return .object(top)
    }

    @Test(arguments: [1, 7, 300, 1 << 20])
    func streamedExportIsTheDocumentInAnyChunkSize(chunkBytes: Int) throws {
        try withStore { store in
            try makeRichSession(store)
            let document = try store.adminExportSession(id: "s1")
            for part in ["turns", "events", "comments", "row_history", "rows", "checkpoints", "contributions", "members", "users"] {
                #expect(document[part]?.arrayValue?.isEmpty == false, "\(part) is empty: the test would not cover it")
            }
            let chunks = Mutex<[[UInt8]]>([])
            try store.adminWriteExport(id: "s1", chunkBytes: chunkBytes) { chunk in chunks.withLock { $0.append(chunk) }; return true }
            let written = chunks.withLock { $0 }
            #expect(written.flatMap { $0 } == document.serializedBytes())
            // Every chunk but the last is handed over once it reaches the chunk size, not before.
            #expect(written.dropLast().allSatisfy { $0.count >= chunkBytes })
            if chunkBytes < 300 { #expect(written.count > 3) }
            #expect(errorCode { try store.adminWriteExport(id: "nope") { _ in true } } == "not_found")
        }
    }

    @Test func streamedExportStopsWhenItsDestinationFails() throws {
        try withStore { store in
            try makeRichSession(store)
            let calls = Mutex(0)
            #expect(errorCode {
                try store.adminWriteExport(id: "s1", chunkBytes: 16) { _ in calls.withLock { $0 += 1; return $0 < 2 } }
            } == "closed")
            #expect(calls.withLock { $0 } == 2)
        }
    }

    @Test func exportIsBoundedInBytesWhenAskedTo() throws {
        try withStore { store in
            try makeSession(store)
            let body = String(repeating: "é", count: 2_000) // 4,000 bytes of text per turn
            for _ in 0..<5 { _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: body)) }
            let size = try store.exportSessionText(id: "s1", actor: "alice").utf8.count
            #expect(size > 20_000)
            // Refused before anything is read: its text alone is over the limit.
            #expect(errorCode { _ = try exportBytes(store, maxBytes: 10_000) } == "too_large")
            // Refused by the count: the text fits, the keys around it do not.
            #expect(errorCode { _ = try exportBytes(store, maxBytes: size - 1) } == "too_large")
            // At the limit exactly: the same bytes as the tree's serialization, written into a buffer of that size.
            let exact = try exportBytes(store, maxBytes: size)
            #expect(exact == (try store.exportSession(id: "s1", actor: "alice")).serializedBytes())
            let bound = try store.read { db throws(StoreError) in
                let sid = try db.scalar("SELECT sid FROM sessions WHERE id = 's1'") ?? 0
                return try SessionExport.sizeLowerBound(db, sid: sid)
            }
            #expect(bound > 20_000 && bound <= size)
            // Permissions come first: a reader is forbidden whatever the size.
            #expect(errorCode { _ = try exportBytes(store, actor: "carol", maxBytes: 10) } == "forbidden")
        }
    }

    /// The export written the way the server writes it: into memory allocated at the counted size.
    private func exportBytes(_ store: Store, actor: String = "alice", maxBytes: Int) throws -> [UInt8] {
        let bytes = try store.exportSession(id: "s1", actor: actor, maxBytes: maxBytes) { count, write in
            var out = [UInt8](repeating: 0, count: count)
            // Safe: the pointer is lent to the call only and not kept.
            let complete = out.withUnsafeMutableBytes { write($0) }
            return complete ? out : []
        }
        #expect(!bytes.isEmpty)
        return bytes
    }

    @Test func importRefusesBadDocumentsWithoutWriting() throws {
        try withStore { store in
            let before = try tableCounts(store)
            #expect(errorCode { _ = try store.importSession(json: "{not json") } == "invalid_json")
            #expect(errorCode { _ = try store.importSession(json: "{\"format\":\"other\"}") } == "invalid_argument")
            #expect(errorCode { _ = try store.importSession(json: #"{"format":"tandem.session","version":1,"session":{"id":"x"}}"#) } == "invalid_argument")
            #expect(try tableCounts(store) == before)
        }
    }

    @Test func importFailingHalfWayWritesNothing() throws {
        try withStore { store in
            try makeRichSession(store)
            let text = try store.exportSessionText(id: "s1", actor: "alice")
            try store.deleteSession(id: "s1", actor: "alice")
            try store.finishDeletes()
            let before = try tableCounts(store)
            // Each is found only while importing: after the session, its members and earlier turns were inserted.
            let lateBadEscape = text.replacingOccurrences(of: #""content":"later""#, with: #""content":"lat\qer""#)
            let lateBadRole = text.replacingOccurrences(of: #""role":"user""#, with: #""role":"nobody""#)
            let notAList = text.replacingOccurrences(of: #""comments":["#, with: #""comments":"x","was":["#)
            #expect(lateBadEscape != text && lateBadRole != text && notAList != text)
            #expect(errorCode { _ = try store.importSession(json: lateBadEscape) } == "invalid_json")
            #expect(errorCode { _ = try store.importSession(json: lateBadRole) } == "invalid_argument")
            #expect(errorCode { _ = try store.importSession(json: notAList) } == "invalid_argument")
            #expect(errorCode { _ = try store.importSession(try JSONValue(parsing: lateBadRole)) } == "invalid_argument")
            #expect(errorCode { _ = try store.importSession(try JSONValue(parsing: notAList)) } == "invalid_argument")
            // What the failed imports wrote is gone once the writer has removed it.
            try store.finishDeletes()
            #expect(try tableCounts(store) == before)
            // The same document from text and from a tree imports the same session.
            _ = try store.importSession(json: Array(text.utf8), asID: "from-text")
            _ = try store.importSession(try JSONValue(parsing: text), asID: "from-tree")
            let fromText = try store.exportSession(id: "from-text", actor: "alice")
            let fromTree = try store.exportSession(id: "from-tree", actor: "alice")
            // Alike but for the comment ids each import gave (the events name their own session's comments).
            func withoutCommentIDs(_ events: JSONValue?) -> [JSONValue] {
                (events?.arrayValue ?? []).map { event in
                    guard event["kind"] == "comment", case .object(var o) = event, case .object(var data)? = o["data"] else { return event }
                    data["id"] = nil
                    o["data"] = .object(data)
                    return .object(o)
                }
            }
            #expect(fromText["turns"] == fromTree["turns"])
            #expect(withoutCommentIDs(fromText["events"]) == withoutCommentIDs(fromTree["events"]))
            #expect(fromText["turns"] == (try JSONValue(parsing: text))["turns"])
        }
    }
}
