/// One order for the marks of a Thai or Lao cluster, so that a word typed with its marks in another
/// order (the same look on screen) is the same word to search (`SearchText.Form.ordered`).
///
/// NFC does not do it: Thai vowels above (U+0E31, U+0E34-0E37) have combining class 0, so a tone mark
/// (107) before or after one stays where it was typed; only a vowel below (103) and a tone swap. Both
/// orders are common in typed text (keyboards take either; the screen shows the same). The order is
/// the typing order of the Thai input standard, WTT 2.0 (Thai API Consortium, 1991: a consonant, then
/// a vowel above or below, then a tone mark; its input sequence checking refuses the other order),
/// which Unicode's spelling follows (a tone mark before SARA AM: `น้ำ` is U+0E19 U+0E49 U+0E33).
/// Unicode has no canonical order for these (the unicode list, April 2017, "Combining Class of Thai
/// Nonspacing_Marks": a cluster holds at most one vowel above or below and one tone or other mark,
/// and their order carries no meaning). The ranks, lowest first:
///
/// 0. Lao SEMIVOWEL SIGN LO (U+0EBC), a subjoined consonant, part of the letter above it;
/// 1. a vowel sign above or below (Thai U+0E31, U+0E34-0E3A with PHINTHU, MAITAIKHU U+0E47,
///    NIKHAHIT U+0E4D; Lao U+0EB1, U+0EB4-0EBB, NIGGAHITA U+0ECD);
/// 2. a tone mark or a sign in its place (Thai U+0E48-0E4C with THANTHAKHAT, YAMAKKAN U+0E4E; Lao
///    U+0EC8-0ECC with the cancellation mark);
/// 3. SARA AM (Thai U+0E33, Lao U+0EB3).
///
/// Marks of one rank go in code-point order (two of one rank do not occur in a written word, but any
/// order of any marks then has one form). NIKHAHIT followed, after the other marks of its cluster, by
/// SARA AA (U+0E4D … U+0E32; Lao U+0ECD … U+0EB2) is SARA AM, the compatibility decomposition Unicode
/// gives it (UnicodeData.txt: U+0E33 `<compat> 0E4D 0E32`): so `น้ำ`, `นํ้า`, `น้ํา` and `นำ้` are one
/// word. Text typed in this order (most text) is left as it is; other scripts are never touched
/// (Khmer and Myanmar orders carry meaning, and their ranks are not this table).
enum SearchMarkOrder {
    /// The rank of a Thai or Lao mark (`SearchText.clusterMarks` of those blocks); nil for any other
    /// code point.
    static func rank(_ value: UInt32) -> UInt32? {
        switch value {
        case 0x0EBC:
            return 0
        case 0x0E31, 0x0E34...0x0E3A, 0x0E47, 0x0E4D, 0x0EB1, 0x0EB4...0x0EBB, 0x0ECD:
            return 1
        case 0x0E48...0x0E4C, 0x0E4E, 0x0EC8...0x0ECC:
            return 2
        case 0x0E33, 0x0EB3:
            return 3
        default:
            return nil
        }
    }

    /// The NIKHAHIT that `value` (SARA AA) makes SARA AM with, and that SARA AM; nil for others.
    private static func composing(_ value: UInt32) -> (nikhahit: UInt32, am: UInt32)? {
        switch value {
        case 0x0E32: (0x0E4D, 0x0E33)
        case 0x0EB2: (0x0ECD, 0x0EB3)
        default: nil
        }
    }

    /// Whether `value` continues a run of marks in which `nikhahits` (Thai, Lao) are still not
    /// composed: a SARA AA with a NIKHAHIT of its script before it. For tokenizers that walk code
    /// points (`SearchSnippet`), so they end a cluster where `appendRun` does.
    static func composesSaraAA(_ value: UInt32, thaiNikhahits: Int, laoNikhahits: Int) -> Bool {
        (value == 0x0E32 && thaiNikhahits > 0) || (value == 0x0EB2 && laoNikhahits > 0)
    }

    /// Whether `scalars` have every run of Thai and Lao marks in the order already, with no SARA AA
    /// to compose (false may also mean only "perhaps not": callers then take `appendRun`'s way). Lets
    /// a snippet compare the words of text typed in the order (most) without making them again.
    static func isOrdered(_ scalars: Substring.UnicodeScalarView) -> Bool {
        var previous: UInt32? // the mark before, in the run
        var nikhahit = false
        for scalar in scalars {
            let value = scalar.value
            if rank(value) != nil {
                if let previous, isBefore(value, previous) { return false }
                nikhahit = nikhahit || value == 0x0E4D || value == 0x0ECD
                previous = value
            } else {
                if nikhahit && composing(value) != nil { return false }
                (previous, nikhahit) = (nil, false)
            }
        }
        return true
    }

    /// Appends the run of Thai and Lao marks at `start` of `bytes` (its first code point has a
    /// `rank`) to `out` in the canonical order, SARA AA composed with a NIKHAHIT before it; returns
    /// where the run ends. `scratch` is reused between runs. Safe: reads `bytes` only within its
    /// count (through `SearchText.decode`) and keeps no pointer.
    static func appendRun(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to out: inout [UInt8],
                          scratch marks: inout [UInt32]) -> Int {
        marks.removeAll(keepingCapacity: true)
        var index = start
        while index < bytes.count {
            let (decoded, length) = SearchText.decode(bytes, at: index)
            guard let value = decoded else { break }
            if rank(value) != nil {
                marks.append(value)
            } else if let pair = composing(value), let at = marks.firstIndex(of: pair.nikhahit) {
                marks[at] = pair.am
            } else {
                break
            }
            index += length
        }
        // Insertion sort: a run is one to four marks.
        for i in marks.indices.dropFirst() {
            let value = marks[i]
            var j = i
            while j > 0 && isBefore(value, marks[j - 1]) {
                marks[j] = marks[j - 1]
                j -= 1
            }
            marks[j] = value
        }
        for value in marks {
            // Every mark is U+0E00-0EFF: three bytes.
            out.append(0xE0)
            out.append(0x80 | UInt8((value >> 6) & 0x3F))
            out.append(0x80 | UInt8(value & 0x3F))
        }
        return index
    }

    private static func isBefore(_ a: UInt32, _ b: UInt32) -> Bool {
        let (ra, rb) = (rank(a) ?? 0, rank(b) ?? 0)
        return ra != rb ? ra < rb : a < b
    }
}
