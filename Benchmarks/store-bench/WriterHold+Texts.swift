import TandemJSON
import TandemStore

/// Text-merge jobs that look for the longest a merge can hold the writer within the row size limit
/// and `max-merge-diff-steps`: many small texts in one row (each merge's set-up is not counted in
/// diff steps), and a branch merge whose rows each need many diff steps (the budget is per row,
/// and a step writes up to `write-step-records` rows).
extension WriterHold {
    func textJob(_ store: Store) throws -> (() throws -> String)? {
        switch job {
        case "text-many", "object-many", "object-one", "object-big", "array-long":
            // One row of `size` keys, each a three-line text; current changes every first line,
            // proposed every last line: `size` clean text merges in one stale write. object-many:
            // the same as objects of three keys (no text merge), for comparison. object-one: the
            // same objects, each side changing one of them (the walk mostly compares). array-long:
            // an array of `size` numbers, each side changing the last one (compared, a conflict).
            // object-big: one object of `size` short strings (a file index), each side changing
            // five members, adding one and deleting one (the common case of a big shared map).
            func doc(_ first: String, _ last: String) -> JSONValue {
                if job == "object-big" {
                    var object: [String: JSONValue] = [:]
                    for i in 0..<size { object["src/file\(i).swift"] = .string("sha-\(i)") }
                    if first == "A" {
                        for i in 0..<5 { object["src/file\(i).swift"] = .string("sha-c\(i)") }
                        object["new-c"] = 1
                        object["src/file\(size / 3).swift"] = nil
                    }
                    if last == "Z" {
                        for i in 0..<5 { object["src/file\(size - 1 - i).swift"] = .string("sha-p\(i)") }
                        object["new-p"] = 2
                        object["src/file\(2 * size / 3).swift"] = nil
                    }
                    return .object(object)
                }
                if job == "array-long" {
                    return .array((0..<size).map { .integer(Int64($0)) } + [.string(first + last)])
                }
                var object: [String: JSONValue] = [:]
                for i in 0..<size {
                    let (f, l) = job == "object-one" ? (i == 0 ? first : "a", i == size - 1 ? last : "z") : (first, last)
                    object["k\(i)"] = job == "text-many" ? .string("\(f)\nmid\n\(l)\n")
                        : .object(["f": .string(f), "m": .string("mid"), "l": .string(l)])
                }
                return .object(object)
            }
            let base = doc("a", "z"), current = doc("A", "z"), proposed = doc("a", "Z")
            _ = try store.writeRow(session: "bench", actor: "u1", key: "doc", value: base, baseVersion: 0)
            _ = try store.writeRow(session: "bench", actor: "u1", key: "doc", value: current, baseVersion: 1)
            let bytes = proposed.serialized().utf8.count
            let m0 = seconds()
            var spent = Int.max
            let pure = try? ThreeWayMerge.merge(base: base, current: current, proposed: proposed, diffBudget: &spent)
            // The steps it takes of max-merge-diff-steps (the line diffs and the walk over the values).
            print(String(format: "the merge alone: %.1f ms (%@, %d bytes, %d merge steps)", (seconds() - m0) * 1e3,
                         String("\(pure.map { "\($0)" } ?? "too costly")".prefix(8)), bytes, Int.max - spent))
            return {
                do {
                    let result = try store.writeRow(session: "bench", actor: "u2", key: "doc", value: proposed, baseVersion: 1)
                    if case .conflict = result { return "conflict (\(bytes) bytes)" }
                    return "merged \(size) values (\(bytes) bytes)"
                } catch let error as StoreError {
                    return "\(error.code) (\(bytes) bytes)"
                }
            }
        case "merge-texts":
            // `size` rows, each a text of `textLines` two-byte lines then "sep" and "tail": the parent
            // reorders the lines after the fork, the branch changes the tail. Each row's merge is
            // clean and costs the diff of a reordered text (below the budget, or the merge's check
            // refuses it); a step re-merges up to `write-step-records` rows on the writer.
            let lines = (0..<textLines).map { $0 % 2 == 0 ? "a\n" : "b\n" }.joined()
            let sorted = String(repeating: "a\n", count: (textLines + 1) / 2) + String(repeating: "b\n", count: textLines / 2)
            for i in 0..<size {
                _ = try store.writeRow(session: "bench", actor: "u1", key: "row-\(i)", value: .string(lines + "sep\ntail\n"), baseVersion: 0)
            }
            _ = try store.createBranch(session: "bench", actor: "u0", id: "branch")
            for i in 0..<size {
                _ = try store.writeRow(session: "bench", actor: "u1", key: "row-\(i)", value: .string(sorted + "sep\ntail\n"), baseVersion: 1)
                _ = try store.writeRow(session: "branch", actor: "u1", key: "row-\(i)", value: .string(lines + "sep\nTAIL\n"), baseVersion: 1)
            }
            let m0 = seconds()
            let pure = (try? ThreeWayMerge.merge(base: .string(lines + "sep\ntail\n"), current: .string(sorted + "sep\ntail\n"),
                                                 proposed: .string(lines + "sep\nTAIL\n"),
                                                 diffBudget: diffSteps > 0 ? diffSteps : .max)).map { "\($0)".prefix(8) } ?? "too costly"
            print(String(format: "one row's merge alone: %.1f ms (%@)", (seconds() - m0) * 1e3, String(pure)))
            return {
                do {
                    guard case .merged(let summary) = try store.mergeBranch(branch: "branch", actor: "u0") else { return "conflict" }
                    return "\(summary.rowCount) rows merged (\(textLines) lines each)"
                } catch let error as StoreError {
                    return "\(error.code)"
                }
            }
        default:
            return nil
        }
    }
}
