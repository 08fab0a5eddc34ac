import FuzzStore
import FuzzSupport
import TandemStore

/// Fuzzes `session.search`'s query text (`SearchQuery`) through real stores, whose SQLite runs the
/// FTS5 expressions it makes over indexes with Tandem's tokenizer options and SQL functions: the
/// index of this build (CJK characters and Thai, Lao, Khmer, Myanmar clusters one word each) and
/// the two of earlier builds a store searches until its background rebuild is done. The input's
/// bytes are the query (invalid UTF-8 repaired, as a JSON string on the wire would be valid).
/// - every query is refused with `invalid_argument` naming `query` (what the server answers), the
///   same by all three stores, or searched without an error by each (never `sqlite` or another code);
/// - a text that is plain words (no quotes, `*`, `-word` or operators) finds a turn holding it,
///   and so do one of its words alone and that word as a `prefix*` (unless the piece is refused).
enum SearchFuzz {
    static let titles = ["Planning the café launch", "東京 会議 メモ", "ประชุม กรุงเทพ", "naïve \"quoted\" words*"]
    static let turns = ["Hello wörld, the quick brown fox", "東京都の天気は晴れです", "ภาษาไทย กรุงเทพมหานคร",
                        "ຄວາມຮັກ ភាសាខ្មែរ မြန်မာ", "한국어 텍스트 and e\u{301}te\u{301}", "NEAR(a b) title:x ^start AND OR NOT"]

    static func prepare(_ store: Store) throws(StoreError) {
        _ = try store.createUser(id: "alice", displayName: "Alice")
        for (i, title) in titles.enumerated() {
            _ = try store.createSession(id: "t\(i)", title: title, owner: "alice")
        }
        _ = try store.createSession(id: "fz", title: "scratch", owner: "alice")
        _ = try store.appendTurns(session: "t0", actor: "alice", turns.map { NewTurn(role: .user, content: $0) })
    }

    // Safe: libFuzzer runs one input at a time on one thread.
    nonisolated(unsafe) static let current = FuzzStore("search-clusters", prepare: prepare)
    // Safe: libFuzzer runs one input at a time on one thread.
    nonisolated(unsafe) static let cjkOnly = FuzzStore("search-cjk", recycleAfter: .max,
                                                       configure: { $0.searchIndexClusterWords = false }, prepare: prepare)
    // Safe: libFuzzer runs one input at a time on one thread.
    nonisolated(unsafe) static let plain = FuzzStore("search-plain", recycleAfter: .max,
                                                     configure: { $0.searchIndexCJKWords = false }, prepare: prepare)

    // Safe: the input is borrowed for this call only (libFuzzer's or FuzzReplay's buffer); nothing keeps a pointer into it.
    static func run(_ data: UnsafeRawBufferPointer) {
        let text = String(decoding: data, as: UTF8.self)
        let store = current.next()
        let refusals = [store, cjkOnly.next(), plain.next()].map { search($0, text) }
        fuzzCheck(refusals.allSatisfy { $0 == refusals[0] }, "the stores disagree on refusing \(debug(text)): \(refusals)")
        guard refusals[0] == nil, isPlainWords(text) else { return }

        let turn: Turn
        do {
            turn = try store.appendTurn(session: "fz", actor: "alice", NewTurn(role: .user, content: text))
        } catch {
            fuzzCheck(error.kind == .invalidArgument || error.kind == .tooLarge, "posting \(debug(text)): \(error)")
            return
        }
        expectFound(store, text, turn, "the whole text")
        let words = words(text)
        guard !words.isEmpty else { return }
        let word = words[Int(data.first ?? 0) % words.count]
        expectFound(store, word, turn, "its word \(debug(word))")
        expectFound(store, word + "*", turn, "its word as a prefix \(debug(word))*")
    }

    /// nil when searched (the hits are not checked here), else the refusal's message.
    static func search(_ store: Store, _ text: String) -> String? {
        do {
            _ = try store.search(text, limit: 50)
            return nil
        } catch {
            fuzzCheck(error.kind == .invalidArgument && error.field == "query", "search \(debug(text)): \(error) (field \(error.field ?? "none"))")
            return error.message
        }
    }

    static func expectFound(_ store: Store, _ query: String, _ turn: Turn, _ what: String) {
        do {
            let hits = try store.search(query, limit: 50)
            fuzzCheck(hits.contains { $0.sessionID == "fz" && $0.turnSeq == turn.seq },
                      "\(what) does not find the turn \(debug(turn.content)) (query \(debug(query)), hits \(hits))")
        } catch {
            // A piece may hold no word (punctuation) or more than a limit allows: refused, not an error.
            fuzzCheck(error.kind == .invalidArgument && error.field == "query", "search \(debug(query)): \(error)")
        }
    }

    /// Words only: nothing the grammar reads as a phrase, prefix, exclusion or operator.
    static func isPlainWords(_ text: String) -> Bool {
        !text.unicodeScalars.contains { $0 == "\"" || $0 == "*" }
            && !words(text).contains { $0.unicodeScalars.first == "-" || ["AND", "OR", "NOT"].contains($0) }
    }

    /// The text split on whitespace code points, as the grammar splits it.
    static func words(_ text: String) -> [String] {
        text.unicodeScalars.split { $0.properties.isWhitespace }.map { String(Substring($0)) }
    }

    static func debug(_ text: String) -> String {
        "\"" + text.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 ? String($0) : "\\u{\(String($0.value, radix: 16))}" }.joined() + "\""
    }
}

#if TANDEM_FUZZ
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // Safe: libFuzzer owns `data` (`size` bytes) for this call only; the run keeps no pointer into it.
    SearchFuzz.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
#else
@main
enum Replay {
    static func main() { FuzzReplay.main(name: "fuzz-search", SearchFuzz.run) }
}
#endif
