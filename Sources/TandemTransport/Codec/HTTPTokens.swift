// Small helpers for HTTP tokens and comma-separated header lists (ASCII only).

/// ASCII case-insensitive comparison (header names and tokens are ASCII).
@usableFromInline
func asciiCaseInsensitiveEquals(_ a: String, _ b: String) -> Bool {
    var ia = a.utf8.makeIterator()
    var ib = b.utf8.makeIterator()
    while true {
        switch (ia.next(), ib.next()) {
        case (nil, nil): return true
        case let (x?, y?):
            if asciiLower(x) != asciiLower(y) { return false }
        default: return false
        }
    }
}

@inline(__always)
func asciiLower(_ c: UInt8) -> UInt8 {
    (c >= 0x41 && c <= 0x5A) ? c | 0x20 : c
}

/// Splits comma-separated header values (across repeated headers) into trimmed, non-empty items.
func commaSeparatedTokens(_ values: [String]) -> [String] {
    values.flatMap { $0.split(separator: ",") }
        .map { trimOWS(Substring($0)) }
        .filter { !$0.isEmpty }
}

/// Trims spaces and tabs (HTTP "optional whitespace").
func trimOWS(_ s: Substring) -> String {
    var utf8 = s.utf8[...]
    while let f = utf8.first, f == 0x20 || f == 0x09 { utf8 = utf8.dropFirst() }
    while let l = utf8.last, l == 0x20 || l == 0x09 { utf8 = utf8.dropLast() }
    return String(Substring(utf8))
}

/// RFC 9110 token characters.
func isTokenByte(_ c: UInt8) -> Bool {
    switch c {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        return true
    case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
         UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
         UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
        return true
    default:
        return false
    }
}

func isToken(_ s: some StringProtocol) -> Bool {
    !s.isEmpty && s.utf8.allSatisfy(isTokenByte)
}
