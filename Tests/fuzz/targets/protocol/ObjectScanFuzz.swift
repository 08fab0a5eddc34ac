import FuzzSupport
import TandemJSON

/// `JSONObjectScan` (how session imports read a document) must agree with the parser on every
/// input: where the parser reads an object, the scan finds the same members with the same values
/// and array elements; where the scan and every value it holds read without error, the parser
/// reads that object too.
enum ObjectScanFuzz {
    static let maxDepth = 64

    // Safe: the input is borrowed for this call only (libFuzzer's or FuzzReplay's buffer); nothing keeps a pointer into it.
    static func check(_ data: UnsafeRawBufferPointer, json: JSONValue?) {
        let scan = try? JSONObjectScan(data, maxDepth: maxDepth)
        guard case .object(let fields)? = json else {
            guard let scan else { return }
            // Not an object for the parser: then some member must fail to read.
            let allRead = scan.keys.allSatisfy { key in (try? scan.value(key)) != nil }
            fuzzCheck(!allRead, "the scan reads every member of text the parser refuses")
            return
        }
        guard let scan else {
            fuzzCheck(false, "the parser reads an object the scan refuses")
            return
        }
        fuzzCheck(Set(scan.keys) == Set(fields.keys), "the scan finds other members than the parser")
        for (key, value) in fields {
            fuzzCheck((try? scan.value(key)) == value, "the scan reads member \(key) differently")
            fuzzCheck(scan.isArray(key) == (value.arrayValue != nil), "the scan disagrees on whether \(key) is an array")
            guard let elements = value.arrayValue else { continue }
            var seen: [JSONValue] = []
            do { try scan.forEachElement(key) { seen.append($0) } } catch {
                fuzzCheck(false, "the scan cannot walk array \(key): \(error)")
            }
            fuzzCheck(seen == elements, "the scan walks array \(key) differently")
        }
    }
}
