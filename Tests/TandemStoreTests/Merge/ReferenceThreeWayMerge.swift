import TandemJSON
@testable import TandemMerge
@testable import TandemStore

/// `ThreeWayMerge` as it was before its key-by-key merge was made to skip unchanged members
/// (the budget left out): the shortcuts checked at every level, keys rehashed by their bytes. The
/// new walk must answer exactly as this one does (`ThreeWayMergeReferenceTests`), numbers' spelling
/// (`1` vs `1.0`) and two spellings of one key included.
enum ReferenceThreeWayMerge {
    static func merge(base: JSONValue, current: JSONValue, proposed: JSONValue) -> MergeOutcome {
        var state = State()
        let value = state.merge(base, current, proposed)
        if state.conflicts.isEmpty { return .merged(value) }
        return .conflict(state.conflicts.sorted(by: MergeConflict.pathOrder))
    }

    private struct State {
        var path: [String] = []
        var conflicts: [MergeConflict] = []

        func same(_ a: JSONValue?, _ b: JSONValue?) -> Bool { a == b }

        mutating func merge(_ base: JSONValue, _ current: JSONValue, _ proposed: JSONValue) -> JSONValue {
            if current == proposed { return current }
            if current == base { return proposed }
            if proposed == base { return current }
            switch (base, current, proposed) {
            case (.object(let b), .object(let c), .object(let p)):
                return .object(mergeObjects(b, c, p))
            case (.string(let b), .string(let c), .string(let p)):
                if case .merged(let text) = TextMerge.merge3(base: b, current: c, proposed: p) { return .string(text) }
            default:
                break
            }
            conflicts.append(MergeConflict(path: path, base: base, current: current, proposed: proposed))
            return current
        }

        private mutating func mergeObjects(
            _ baseObject: [String: JSONValue], _ currentObject: [String: JSONValue], _ proposedObject: [String: JSONValue]
        ) -> [String: JSONValue] {
            let base = ExactKey.members(baseObject)
            let current = ExactKey.members(currentObject)
            let proposed = ExactKey.members(proposedObject)
            var result = current
            for (key, c) in current { mergeKey(key, base[key], c, proposed[key], into: &result) }
            for (key, p) in proposed where current[key] == nil { mergeKey(key, base[key], nil, p, into: &result) }
            var object: [String: JSONValue] = Dictionary(minimumCapacity: result.count)
            for (key, value) in result {
                guard object.index(forKey: key.text) == nil else {
                    let spelling = currentObject.index(forKey: key.text).map { currentObject[$0].key } ?? key.text
                    let at = path + [spelling]
                    if !conflicts.contains(where: { $0.path == at }) {
                        conflicts.append(MergeConflict(path: at, base: baseObject[spelling],
                                                       current: currentObject[spelling], proposed: proposedObject[spelling]))
                    }
                    continue
                }
                object[key.text] = value
            }
            return object
        }

        private mutating func mergeKey(
            _ key: ExactKey, _ b: JSONValue?, _ c: JSONValue?, _ p: JSONValue?, into result: inout [ExactKey: JSONValue]
        ) {
            if same(c, p) { result[key] = c; return }
            if same(c, b) { result[key] = p; return }
            if same(p, b) { result[key] = c; return }
            if let b, let c, let p {
                path.append(key.text)
                result[key] = merge(b, c, p)
                path.removeLast()
                return
            }
            conflicts.append(MergeConflict(path: path + [key.text], base: b, current: c, proposed: p))
        }
    }
}
