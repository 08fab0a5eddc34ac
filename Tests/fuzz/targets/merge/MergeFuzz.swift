import FuzzSupport
import TandemJSON
import TandemMerge

/// Fuzzes `ThreeWayMerge` for crashes and for its rules:
/// - merge(b, x, b) = x, merge(b, b, y) = y, merge(b, x, x) = x;
/// - a merged value takes, at every path, the one side that changed (or the common change), and
///   recurses only into objects (key by key) and strings (line-wise);
/// - keys are matched by their bytes (a key respelled in another Unicode normalization is another key);
/// - a conflict is reported only where both sides changed the same path differently, with the
///   values found at that path, sorted by path; or where two spellings of one key would both
///   survive (one object cannot hold them), with the values each side has under that key;
/// - swapping the sides gives the same conflicts (same paths) or an equal merged value.
enum MergeFuzz {
    // Safe: the input is borrowed for this call only (libFuzzer's or FuzzReplay's buffer); nothing keeps a pointer into it.
    static func run(_ data: UnsafeRawBufferPointer) {
        let (b, x, y) = MergeInputs.decode(data)
        expectMerged(ThreeWayMerge.merge(base: b, current: x, proposed: b), x, "merge(b, x, b) = x")
        expectMerged(ThreeWayMerge.merge(base: b, current: b, proposed: y), y, "merge(b, b, y) = y")
        expectMerged(ThreeWayMerge.merge(base: b, current: x, proposed: x), x, "merge(b, x, x) = x")

        let forward = ThreeWayMerge.merge(base: b, current: x, proposed: y)
        let backward = ThreeWayMerge.merge(base: b, current: y, proposed: x)
        switch (forward, backward) {
        case (.merged(let v), .merged(let w)):
            checkMerged(b, x, y, v, path: [])
            fuzzCheck(v == w, "merging the sides the other way round gives another value")
        case (.conflict(let conflicts), .conflict(let swapped)):
            fuzzCheck(!conflicts.isEmpty, "an empty conflict list")
            fuzzCheck(conflicts.map(\.path) == swapped.map(\.path), "swapping the sides changes the conflict paths")
            var previous: [String]?
            for c in conflicts {
                if let previous {
                    fuzzCheck(previous.lexicographicallyPrecedes(c.path) || previous == c.path, "conflicts not sorted by path")
                }
                previous = c.path
                let found = c.base == lookup(b, c.path) && c.current == lookup(x, c.path) && c.proposed == lookup(y, c.path)
                if found && c.current != c.base && c.proposed != c.base && c.current != c.proposed { continue }
                // Otherwise only a spelling conflict: named as one side spells the key, with what each
                // side has under any spelling of it.
                fuzzCheck(isSpellingCollision(c.path, [b, x, y]),
                          found ? "conflict at \(c.path) where at most one side changed (or both alike)"
                                : "conflict at \(c.path) does not carry the values found there")
                fuzzCheck(c.base == lookup(b, c.path, anySpelling: true) && c.current == lookup(x, c.path, anySpelling: true)
                          && c.proposed == lookup(y, c.path, anySpelling: true),
                          "spelling conflict at \(c.path) does not carry the values found there: "
                          + "\([c.base, c.current, c.proposed]) in \([b, x, y])")
            }
        default:
            fuzzCheck(false, "merge(b, x, y) and merge(b, y, x) disagree on whether there is a conflict")
        }
    }

    static func expectMerged(_ outcome: MergeOutcome, _ expected: JSONValue, _ rule: String) {
        guard case .merged(let v) = outcome else {
            fuzzCheck(false, "\(rule): got a conflict")
            return
        }
        fuzzCheck(v == expected, "\(rule): got another value")
    }

    /// The value at `path` (object keys matched by their bytes; the last one under any canonically
    /// equivalent spelling with `anySpelling`), nil where a key is absent or a value is not an object.
    static func lookup(_ value: JSONValue, _ path: [String], anySpelling: Bool = false) -> JSONValue? {
        var v = value
        for (index, key) in path.enumerated() {
            guard case .object(let o) = v else { return nil }
            let last = index == path.count - 1
            guard let child = (anySpelling && last) ? o[key] : exact(o)[Array(key.utf8)] else { return nil }
            v = child
        }
        return v
    }

    /// An object's members keyed by their bytes (Swift's `String` keys are canonical-equivalence keys).
    static func exact(_ object: [String: JSONValue]) -> [[UInt8]: JSONValue] {
        Dictionary(object.map { (Array($0.key.utf8), $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// Whether the objects holding `path`'s last key in `values` spell it in two different ways.
    static func isSpellingCollision(_ path: [String], _ values: [JSONValue]) -> Bool {
        guard let key = path.last else { return false }
        var spellings = Set<[UInt8]>()
        for value in values {
            guard case .object(let parent)? = lookup(value, Array(path.dropLast())) else { continue }
            for other in parent.keys where other == key { spellings.insert(Array(other.utf8)) }
        }
        return spellings.count > 1
    }

    /// The rules, as a specification: which side's value the merge must hold at each path.
    static func checkMerged(_ b: JSONValue?, _ c: JSONValue?, _ p: JSONValue?, _ v: JSONValue?, path: [String]) {
        if c == p { return fuzzCheck(v == c, "at \(path): both sides agree, merge differs") }
        if c == b { return fuzzCheck(v == p, "at \(path): only proposed changed, merge differs") }
        if p == b { return fuzzCheck(v == c, "at \(path): only current changed, merge differs") }
        switch (b, c, p, v) {
        case (.object(let bo)?, .object(let co)?, .object(let po)?, .object(let vo)?):
            let (b, c, p, v) = (exact(bo), exact(co), exact(po), exact(vo))
            let keys = Set(b.keys).union(c.keys).union(p.keys).union(v.keys)
            for key in keys { checkMerged(b[key], c[key], p[key], v[key], path: path + [String(decoding: key, as: UTF8.self)]) }
        case (.string?, .string?, .string?, .string?):
            break  // line-wise merge; TextMerge decides
        default:
            fuzzCheck(false, "at \(path): both sides changed differently, yet merged")
        }
    }
}

#if TANDEM_FUZZ
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // Safe: libFuzzer owns `data` (`size` bytes) for this call only; the run keeps no pointer into it.
    MergeFuzz.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
#else
@main
enum Replay {
    static func main() { FuzzReplay.main(name: "fuzz-merge", MergeFuzz.run) }
}
#endif
