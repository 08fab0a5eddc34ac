/// The spelling a row key is looked up by when checking for respellings (`Rows.refuseRespelling`):
/// two keys are one key spelled twice exactly when Swift's `==` (canonical equivalence) takes them
/// for equal while their bytes differ, and `==` compares NFC forms, so equal NFC forms are the
/// same test. Stored in `state_rows.nfc_key` with an index per session, so the check for a new
/// key is one index seek instead of a walk over the session's other keys.
enum RowKeySpelling {
    /// The key's NFC form when it has a character outside printable ASCII (`' '...'~'`), else nil.
    /// Printable ASCII is its own NFC form; nil keeps such keys out of the index and keeps the set
    /// of keys checked what the check always looked at (keys `GLOB '*[^ -~]*'` matches).
    static func of(_ key: String) -> String? {
        of(utf8: key.utf8) { _ in key }
    }

    /// `of(_:)` over UTF-8 bytes; `text` makes the string only when one is needed.
    static func of<Bytes: Collection<UInt8>>(utf8 bytes: Bytes, text: (Bytes) -> String) -> String? {
        guard bytes.contains(where: { $0 < 0x20 || $0 > 0x7E }) else { return nil }
        // `_nfcCodeUnits` is the standard library's own normalizer, the one `==` compares with:
        // Foundation's (ICU) could differ from it in Unicode version.
        return String(decoding: text(bytes)._nfcCodeUnits, as: UTF8.self)
    }
}
