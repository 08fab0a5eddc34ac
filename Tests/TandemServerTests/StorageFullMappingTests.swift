import Testing
import TandemProtocol
import TandemStore
@testable import TandemServer

/// The disk-full drill (Tests/drills/disk-full) sees this over the wire; here the mapping itself.
@Suite struct StorageFullMappingTests {
    @Test func sqliteFullIsUnavailableAndSaysStorageIsFull() throws {
        let full = StoreError(.sqlite, "database or disk is full", sqliteCode: 13)
        #expect(ErrorMapping.code(for: full) == .unavailable)
        let response = ErrorMapping.response(id: .int(7), for: full, reference: 1)
        let text = String(decoding: response.encode(), as: UTF8.self)
        #expect(text.contains("\"code\":\"unavailable\"") && text.contains("storage is full"), "\(text)")
        // Locked out by another process past the busy timeout (also the extended codes): retryable.
        for code: Int32 in [5, 6, 517] {
            let locked = StoreError(.sqlite, "database is locked", sqliteCode: code)
            #expect(ErrorMapping.code(for: locked) == .unavailable)
            let said = String(decoding: ErrorMapping.response(id: .int(8), for: locked, reference: 2).encode(), as: UTF8.self)
            #expect(said.contains("\"code\":\"unavailable\"") && said.contains("locked by another process"), "\(said)")
        }
        // Read-only since the start (remounted, mode changed; also the extended codes): retryable, and said.
        for code: Int32 in [8, 1032, 1544] {
            let readOnly = StoreError(.sqlite, "attempt to write a readonly database", sqliteCode: code)
            #expect(ErrorMapping.code(for: readOnly) == .unavailable)
            let said = String(decoding: ErrorMapping.response(id: .int(9), for: readOnly, reference: 3).encode(), as: UTF8.self)
            #expect(said.contains("\"code\":\"unavailable\"") && said.contains("storage is read-only"), "\(said)")
        }
        // Any other SQLite failure is a server bug: internal, details only in the log.
        let other = StoreError(.sqlite, "disk I/O error", sqliteCode: 10)
        #expect(ErrorMapping.code(for: other) == .internal)
    }
}
