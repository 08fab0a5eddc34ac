/// A statement whose `VALUES` list holds many rows of the same parameters: one statement for many
/// rows where a loop would run one per row, saving each row a statement's start, binding call and
/// reset (the writer's flush ran two per session a batch touched: 29.3 k → 28.1 k instructions a
/// session under `Benchmarks/callgrind`, most of the rest being the rows' own B-tree work).
///
/// The text is `head`, then `rows` rows of `width` parameters (`(?2,?3,...)`, numbered after the
/// `leading` parameters `?1...` that `tail` may use), then `tail`. A statement is prepared once per
/// row count; `chunk(_:)` keeps the counts to powers of two up to `maxRows`.
struct ValuesStatement {
    let head: StaticString
    let width: Int
    let leading: Int
    let tail: StaticString

    /// The most rows one statement takes: beyond ~64 the saving per row no longer grows, and each
    /// count is a statement prepared and kept.
    static let maxRows = 64

    /// The rows the next statement takes when `remaining` are left: the largest power of two not
    /// above either (so at most 7 statements are ever prepared of each).
    static func chunk(_ remaining: Int) -> Int {
        precondition(remaining > 0)
        let most = min(remaining, maxRows)
        return 1 << (Int.bitWidth - 1 - most.leadingZeroBitCount)
    }

    /// The parameter index of row `row`'s column `column` (both from 0).
    func index(row: Int, column: Int) -> Int32 {
        Int32(leading + row * width + column + 1)
    }

    /// The statement's text for `rows` rows.
    func sql(rows: Int) -> String {
        var text = head.description
        for row in 0..<rows {
            text += row == 0 ? "(" : ",("
            for column in 0..<width {
                if column > 0 { text += "," }
                text += "?\(index(row: row, column: column))"
            }
            text += ")"
        }
        return text + tail.description
    }
}

/// A prepared `ValuesStatement` by its head's and tail's literals and its row count (two
/// statements may share a head's text, which the compiler may then store once).
struct ValuesStatementKey: Hashable {
    // Safe: identities only, never read; a literal's storage lives as long as the process.
    let head: UnsafeRawPointer
    let tail: UnsafeRawPointer
    let rows: Int
}
