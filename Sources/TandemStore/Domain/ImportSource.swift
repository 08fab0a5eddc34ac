import TandemJSON

/// An export document being imported: its small fields whole, its lists one record at a time.
/// A parsed tree (a document that came over the wire) or a scan of the text (a file of any size).
protocol ImportSource {
    /// Top-level field `key`, or nil when the document has none.
    func field(_ key: String) throws(StoreError) -> JSONValue?
    /// Each element of the top-level list `key`; nothing when it is missing, `invalid_argument`
    /// when it is not a list.
    func forEach(_ key: String, _ body: (JSONValue) throws(StoreError) -> Void) throws(StoreError)
}

/// A document already parsed.
struct ImportTree: ImportSource {
    let document: JSONValue

    func field(_ key: String) -> JSONValue? { document[key] }

    func forEach(_ key: String, _ body: (JSONValue) throws(StoreError) -> Void) throws(StoreError) {
        guard let value = document[key] else { return }
        guard let elements = value.arrayValue else { throw StoreError.invalid("export document: \(key) is not a list") }
        for element in elements { try body(element) }
    }
}

/// A document read from its text as it is imported: memory is the text plus one record.
struct ImportScan: ImportSource {
    let scan: JSONObjectScan

    // Safe: the scan borrows `text` for this value's life, which ends inside the caller's withUnsafeBytes (importSession(json:))
    /// Locates the fields of `text` (valid only inside the caller's `withUnsafeBytes`).
    init(_ text: UnsafeRawBufferPointer) throws(StoreError) {
        do { scan = try JSONObjectScan(text) } catch { throw Self.malformed(error) }
    }

    func field(_ key: String) throws(StoreError) -> JSONValue? {
        do { return try scan.value(key) } catch { throw Self.malformed(error) }
    }

    func forEach(_ key: String, _ body: (JSONValue) throws(StoreError) -> Void) throws(StoreError) {
        guard scan.isArray(key) != false else { throw StoreError.invalid("export document: \(key) is not a list") }
        do {
            try scan.forEachElement(key) { element in try body(element) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw Self.malformed(error)
        }
    }

    private static func malformed(_ error: any Error) -> StoreError {
        StoreError(.invalidJSON, "export document: \(error)")
    }
}
