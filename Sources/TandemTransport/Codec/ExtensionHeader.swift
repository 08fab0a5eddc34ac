/// Parser of Sec-WebSocket-Extensions values (RFC 6455 §9.1): comma-separated extensions, each a
/// token followed by `; param` or `; param=value`, value a token or quoted string.
enum ExtensionHeader {
    struct Element {
        var name: String
        var params: [(name: String, value: String?)]
    }

    /// Every well-formed element across the header values; malformed elements are skipped.
    static func parse(_ values: [String]) -> [Element] {
        var result: [Element] = []
        for value in values {
            for item in splitOutsideQuotes(Substring(value), on: ",") where !trimOWS(item).isEmpty {
                if let element = parseElement(item) { result.append(element) }
            }
        }
        return result
    }

    private static func parseElement(_ item: Substring) -> Element? {
        let parts = splitOutsideQuotes(item, on: ";")
        guard let first = parts.first else { return nil }
        let name = trimOWS(first)
        guard isToken(name) else { return nil }
        var params: [(name: String, value: String?)] = []
        for part in parts.dropFirst() {
            let p = trimOWS(part)
            if let eq = p.firstIndex(of: "=") {
                let key = trimOWS(p[..<eq])
                var value = trimOWS(p[p.index(after: eq)...])
                guard isToken(key) else { return nil }
                if value.hasPrefix("\"") {
                    guard value.count >= 2, value.hasSuffix("\"") else { return nil }
                    value = String(value.dropFirst().dropLast()).replacingBackslashEscapes()
                }
                guard isToken(value) else { return nil }
                params.append((name: key, value: value))
            } else {
                guard isToken(p) else { return nil }
                params.append((name: p, value: nil))
            }
        }
        return Element(name: name, params: params)
    }

    private static func splitOutsideQuotes(_ s: Substring, on separator: Character) -> [Substring] {
        var parts: [Substring] = []
        var start = s.startIndex
        var inQuotes = false
        var escaped = false
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if escaped {
                escaped = false
            } else if inQuotes && c == "\\" {
                escaped = true
            } else if c == "\"" {
                inQuotes.toggle()
            } else if c == separator && !inQuotes {
                parts.append(s[start..<i])
                start = s.index(after: i)
            }
            i = s.index(after: i)
        }
        parts.append(s[start..<s.endIndex])
        return parts
    }
}

extension String {
    /// Undoes quoted-pair escapes ("\x" → "x").
    fileprivate func replacingBackslashEscapes() -> String {
        var out = ""
        var escaped = false
        for c in self {
            if escaped || c != "\\" {
                out.append(c)
                escaped = false
            } else {
                escaped = true
            }
        }
        return out
    }
}
