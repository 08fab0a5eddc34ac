import TandemJSON

/// Random JSON values and edits of them for the merge property tests. Keys come from a small
/// set so both sides often touch the same keys; numbers include 1 and 1.0 (equal by `==`).
enum RandomJSON {
    static let keys = ["a", "b", "c", "d", "é", "k😀"]

    static func value(_ rng: inout SeededRandom, depth: Int) -> JSONValue {
        switch Int.random(in: 0..<(depth > 0 ? 10 : 7), using: &rng) {
        case 0: return .null
        case 1: return .bool(rng.chance(50))
        case 2: return .integer(Int64.random(in: -2...3, using: &rng))
        case 3: return rng.chance(50) ? .number(1.0) : .number(Double(Int.random(in: -4...4, using: &rng)) / 2)
        case 4: return .string(RandomText.text(&rng))
        case 5: return .string(RandomText.document(&rng))
        case 6: return .string(rng.pick(["", "x", "y", "ü"]))
        case 7: return .array((0..<Int.random(in: 0...3, using: &rng)).map { _ in value(&rng, depth: depth - 1) })
        default: return object(&rng, depth: depth - 1)
        }
    }

    static func object(_ rng: inout SeededRandom, depth: Int) -> JSONValue {
        var members: [String: JSONValue] = [:]
        for key in keys where rng.chance(50) { members[key] = value(&rng, depth: depth) }
        return .object(members)
    }

    /// A variant of `value` with a few random edits anywhere in it (keys changed, deleted, added;
    /// strings edited line-wise; arrays and scalars replaced), at a rate of about `percent`.
    static func mutate(_ value: JSONValue, _ rng: inout SeededRandom, percent: Int = 25, depth: Int = 2) -> JSONValue {
        switch value {
        case .object(var members):
            for key in keys {
                // Strings are edited more often, so both sides often edit one text.
                guard rng.chance(members[key]?.stringValue == nil ? percent : 50) else { continue }
                if let existing = members[key] {
                    if rng.chance(30) {
                        members[key] = nil
                    } else {
                        members[key] = mutate(existing, &rng, percent: 60, depth: depth)
                    }
                } else {
                    members[key] = self.value(&rng, depth: depth)
                }
            }
            return .object(members)
        case .string(let text) where rng.chance(70):
            return .string(RandomText.mutate(text, &rng))
        case .array(var items) where !items.isEmpty && rng.chance(50):
            items[Int.random(in: 0..<items.count, using: &rng)] = self.value(&rng, depth: 0)
            return .array(items)
        default:
            return rng.chance(percent) ? self.value(&rng, depth: depth) : value
        }
    }
}

/// Reading and writing values by path, independent of the merge code.
enum JSONPath {
    /// The value at `path`, or nil when a key is absent or the path runs through a non-container.
    static func value(at path: [String], in root: JSONValue?) -> JSONValue? {
        var node = root
        for segment in path {
            switch node {
            case .object(let members)?: node = members[segment]
            case .array(let items)?:
                guard let i = Int(segment), items.indices.contains(i) else { return nil }
                node = items[i]
            default: return nil
            }
        }
        return node
    }

    /// `root` with the value at `path` set (nil deletes the key); every parent must be an object.
    static func setting(_ value: JSONValue?, at path: [String], in root: JSONValue) -> JSONValue {
        guard let key = path.first else { return value ?? .null }
        guard case .object(var members) = root else { preconditionFailure("parent is not an object") }
        if path.count == 1 {
            members[key] = value
        } else {
            members[key] = setting(value, at: Array(path.dropFirst()), in: members[key] ?? .object([:]))
        }
        return .object(members)
    }

    /// Paths of every object in `root` (the root itself included when it is an object).
    static func objectPaths(in root: JSONValue, prefix: [String] = []) -> [[String]] {
        guard case .object(let members) = root else { return [] }
        var paths = [prefix]
        for key in members.keys.sorted() {
            paths += objectPaths(in: members[key]!, prefix: prefix + [key])
        }
        return paths
    }
}
