import FuzzSupport
import TandemJSON
import TandemStore

/// Fuzzes `ThreeWayMerge` for crashes and for its rules:
/// - merge(b, x, b) = x, merge(b, b, y) = y, merge(b, x, x) = x;
/// - a merged value takes, at every path, the one side that changed (or the common change), and
///   recurses only into objects (key by key) and strings (line-wise);
/// - a conflict is reported only where both sides changed the same path differently, with the
///   values found at that path, sorted by path;
/// - swapping the sides gives the same conflicts (same paths) or an equal merged value.
enum MergeFuzz {
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
                fuzzCheck(c.base == lookup(b, c.path) && c.current == lookup(x, c.path) && c.proposed == lookup(y, c.path),
                          "conflict at \(c.path) does not carry the values found there")
                fuzzCheck(c.current != c.base && c.proposed != c.base && c.current != c.proposed,
                          "conflict at \(c.path) where at most one side changed (or both alike)")
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

    /// The value at `path` (object keys), nil where a key is absent or a value is not an object.
    static func lookup(_ value: JSONValue, _ path: [String]) -> JSONValue? {
        var v = value
        for key in path {
            guard case .object(let o) = v, let child = o[key] else { return nil }
            v = child
        }
        return v
    }

    /// The rules, as a specification: which side's value the merge must hold at each path.
    static func checkMerged(_ b: JSONValue?, _ c: JSONValue?, _ p: JSONValue?, _ v: JSONValue?, path: [String]) {
        if c == p { return fuzzCheck(v == c, "at \(path): both sides agree, merge differs") }
        if c == b { return fuzzCheck(v == p, "at \(path): only proposed changed, merge differs") }
        if p == b { return fuzzCheck(v == c, "at \(path): only current changed, merge differs") }
        switch (b, c, p, v) {
        case (.object(let bo)?, .object(let co)?, .object(let po)?, .object(let vo)?):
            let keys = Set(bo.keys).union(co.keys).union(po.keys).union(vo.keys)
            for key in keys { checkMerged(bo[key], co[key], po[key], vo[key], path: path + [key]) }
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
    // libFuzzer owns `data` (`size` bytes) for this call only; the run keeps no pointer into it.
    MergeFuzz.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
#else
@main
enum Replay {
    static func main() { FuzzReplay.main(name: "fuzz-merge", MergeFuzz.run) }
}
#endif
