import TandemJSON

/// An object key compared and hashed by its UTF-8 bytes, for the merge: `String` keys match by
/// canonical equivalence, so a key one side respelled (`"\u{E9}"` → `"e\u{301}"`) would be taken for
/// the other side's key and one spelling silently dropped.
struct ExactKey: Hashable {
    let text: String

    static func == (a: ExactKey, b: ExactKey) -> Bool { a.text.isByteIdentical(to: b.text) }
    func hash(into hasher: inout Hasher) { text.hashBytes(into: &hasher) }

    /// An object's members keyed by their exact spelling (no two collide: a dictionary holds at
    /// most one key per equivalence class).
    static func members(_ object: [String: JSONValue]) -> [ExactKey: JSONValue] {
        var out: [ExactKey: JSONValue] = Dictionary(minimumCapacity: object.count)
        for (key, value) in object { out[ExactKey(text: key)] = value }
        return out
    }
}
