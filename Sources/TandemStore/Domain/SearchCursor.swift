/// Where the next page of a search starts (`SearchPage.nextCursor`, opaque to clients): title hits
/// of sessions with a sid below a mark (`S<sid>`), or turn hits below a position in the turn index
/// (`U<rowid>`). Both are keys of the order the hits come in, never counts: what is added or
/// removed between pages cannot shift a later page onto hits already given, or past some not given.
enum SearchCursor: Equatable, Sendable {
    /// Title hits of sessions with `sid < below`, then every turn hit.
    case titles(below: Int64)
    /// Turn hits with index rowid `< below` (title hits are done).
    case turns(below: Int64)
    /// A title-hit cursor of the builds that paged titles by count (`T<n>`: the first `n` hits
    /// given). Still taken, so a client paging across an upgrade gets its next page; counted in
    /// the keyed order, it may repeat or skip hits once.
    case titleOffset(Int)

    /// The cursor a page hands out.
    var text: String {
        switch self {
        case .titles(let below): return "S\(below)"
        case .turns(let below): return "U\(below)"
        case .titleOffset(let skip): return "T\(skip)"
        }
    }

    /// Reads a cursor this or an earlier build handed out: `invalid_argument` (field `cursor`) for
    /// anything else.
    init(_ text: String) throws(StoreError) {
        let number = text.dropFirst()
        // Digits only: Int's parser would take a sign, and "+5" or "-0" were never handed out.
        guard number.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), !number.isEmpty else {
            throw StoreError.invalid("malformed search cursor", field: "cursor")
        }
        switch text.first {
        case "S": if let n = Int64(number) { self = .titles(below: n); return }
        case "U": if let n = Int64(number) { self = .turns(below: n); return }
        case "T": if let n = Int(number) { self = .titleOffset(n); return }
        default: break
        }
        throw StoreError.invalid("malformed search cursor", field: "cursor")
    }
}
