import CSQLite

extension Database {
    /// SQL functions the schema's statements use, registered on every connection:
    /// `tandem_key_spelling(key)` is `RowKeySpelling.of(key)` (NULL for NULL), so a copy of rows
    /// in SQL (branches, the migration's backfill) fills `state_rows.nfc_key` as Swift would.
    /// Only statements call it (no index, view or trigger does), so another program such as the
    /// `sqlite3` shell still reads and writes the file without it.
    ///
    /// `tandem_search_ordered(text)` is `SearchText.spaced(text)` (NULL for NULL): what the
    /// full-text indexes are fed (CJK characters and Thai, Lao, Khmer, Myanmar clusters as words,
    /// Thai and Lao marks in one order). `tandem_search_clusters(text)` (marks as typed) and
    /// `tandem_search_text(text)` (CJK only) are the forms before, still needed to delete from a turn
    /// index of those forms until its rebuild is done. The triggers that keep the title index
    /// (`sessions_fts`, migration 25) call the first, so the `sqlite3` shell reads the file as before
    /// but cannot create, rename or delete a session in it (it says `no such function:
    /// tandem_search_ordered`); Tandem's programs can.
    func registerFunctions() throws(StoreError) {
        try registerSearchText(name: "tandem_search_text", form: .cjk)
        try registerSearchText(name: "tandem_search_clusters", form: .clusters)
        try registerSearchText(name: "tandem_search_ordered", form: .ordered)
        let rc = sqlite3_create_function_v2(
            handle, "tandem_key_spelling", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nil,
            { context, _, arguments in
                // The result is copied (SQLITE_TRANSIENT).
                guard let (_, bytes) = Database.textArgument(arguments) else {
                    sqlite3_result_null(context)
                    return
                }
                guard let spelling = RowKeySpelling.of(utf8: bytes, text: { String(decoding: $0, as: UTF8.self) }) else {
                    sqlite3_result_null(context)
                    return
                }
                var utf8 = spelling
                utf8.withUTF8 { sqlite3_result_text(context, $0.baseAddress, Int32($0.count), tandem_sqlite_transient()) }
            }, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error(rc, context: "register tandem_key_spelling") }
    }

    /// Registers `name` as `SearchText.spacedUTF8` of one form. The C callback cannot capture the
    /// form, so each form has its own callback.
    private func registerSearchText(name: String, form: SearchText.Form) throws(StoreError) {
        // Safe: the C callback receives SQLite's argument array, read only by `textArgument` during the call
        typealias Body = @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void
        let body: Body = switch form {
        case .cjk: { context, _, arguments in Database.searchText(context, arguments, form: .cjk) }
        case .clusters: { context, _, arguments in Database.searchText(context, arguments, form: .clusters) }
        case .ordered: { context, _, arguments in Database.searchText(context, arguments, form: .ordered) }
        }
        let rc = sqlite3_create_function_v2(handle, name, 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nil,
                                            body, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error(rc, context: "register \(name)") }
    }

    /// The body of the search-text functions: the argument spaced in `form` (itself when nothing
    /// changes, NULL for NULL).
    // Safe: the pointers are SQLite's, valid for the duration of this callback and not kept
    private static func searchText(_ context: OpaquePointer?, _ arguments: UnsafeMutablePointer<OpaquePointer?>?,
                                   form: SearchText.Form) {
        guard let (argument, bytes) = Database.textArgument(arguments) else {
            sqlite3_result_null(context)
            return
        }
        guard let spaced = SearchText.spacedUTF8(bytes, form: form) else {
            // Nothing to space (all text without split units): the argument itself, not a copy of it.
            sqlite3_result_value(context, argument)
            return
        }
        // Safe: SQLite copies the bytes (SQLITE_TRANSIENT) before the buffer goes.
        spaced.withUnsafeBufferPointer { sqlite3_result_text(context, $0.baseAddress, Int32($0.count), tandem_sqlite_transient()) }
    }

    /// The one argument of a function registered with nArg 1, and its UTF-8 bytes; nil for NULL.
    /// Safe: SQLite passes exactly that one argument, and its text stays valid until the function
    /// returns, which is as long as the callers use the buffer.
    private static func textArgument(_ arguments: UnsafeMutablePointer<OpaquePointer?>?) -> (OpaquePointer, UnsafeBufferPointer<UInt8>)? {
        guard let argument = arguments?[0], sqlite3_value_type(argument) != SQLITE_NULL,
              let start = sqlite3_value_text(argument) else { return nil }
        return (argument, UnsafeBufferPointer(start: start, count: Int(sqlite3_value_bytes(argument))))
    }
}
