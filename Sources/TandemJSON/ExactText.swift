/// Byte-exact comparison and hashing of strings.
///
/// Swift's `String` `==` and hashing follow Unicode canonical equivalence: `"\u{E9}"` (é) equals
/// `"e\u{301}"` (e + combining acute). Tandem stores text byte-exact and never normalizes it, so
/// anything that decides whether two user strings are "the same" (JSON equality, merges, the nonce
/// check) must compare their UTF-8 bytes, or a change that only respells a text is silently lost.
extension String {
    /// Whether `self` and `other` are the same UTF-8 bytes (not merely canonically equivalent).
    @inlinable
    public func isByteIdentical(to other: String) -> Bool {
        let a = utf8, b = other.utf8
        // O(1) for native strings, and most unequal pairs differ in length.
        guard a.count == b.count else { return false }
        // Native strings (all of them on Linux) are contiguous UTF-8: compare the buffers directly.
        if let same = a.withContiguousStorageIfAvailable({ x in
            b.withContiguousStorageIfAvailable({ y in x.elementsEqual(y) })
        }), let same { return same }
        return a.elementsEqual(b)
    }

    /// Feeds the UTF-8 bytes into `hasher`, consistently with `isByteIdentical(to:)` (and cheaper
    /// than `String`'s own hashing, which normalizes non-ASCII text first).
    @inlinable
    public func hashBytes(into hasher: inout Hasher) {
        // Safe: the pointer is used only inside withContiguousStorageIfAvailable's closure, to hash the bytes
        let done: Void? = utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if done == nil { for byte in utf8 { hasher.combine(byte) } }
        // The length ends the string, so ["ab", "c"] and ["a", "bc"] feed different sequences.
        hasher.combine(utf8.count)
    }
}
