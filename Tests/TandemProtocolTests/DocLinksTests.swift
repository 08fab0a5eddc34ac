import Foundation
import Testing

/// Every relative link in the repository's Markdown (README, docs/, deploy/, the test and benchmark
/// READMEs) must lead somewhere: the file exists, and a `#anchor` names a heading of the target as
/// GitHub spells it. Headings get renamed while links stay; this catches it.
@Suite struct DocLinksTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The Markdown files checked, relative to the root: every `.md` outside build output, git and fixtures.
    static func markdownFiles() throws -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
        var files: [String] = []
        while let path = walker.nextObject() as? String {
            let top = String(path.prefix(while: { $0 != "/" }))
            if top.hasPrefix(".build") || top.hasPrefix(".venv") || top == ".git" || top == "out" || path == "Tests/fixtures" {
                walker.skipDescendants()
                continue
            }
            if path.hasSuffix(".md") { files.append(path) }
        }
        return files.sorted()
    }

    @Test func everyRelativeLinkAndAnchorResolves() throws {
        let files = try Self.markdownFiles()
        #expect(files.contains("docs/protocol.md") && files.contains("README.md"), "the docs were found: \(files)")
        var anchorsByFile: [String: Set<String>] = [:]
        var broken: [String] = []
        var checked = 0
        for file in files {
            let text = try String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8)
            for target in MarkdownLinks.relativeTargets(in: text) {
                checked += 1
                let (path, anchor) = MarkdownLinks.split(target)
                let resolved = path.isEmpty ? file : MarkdownLinks.normalize(path, from: file)
                let url = Self.root.appendingPathComponent(resolved)
                guard FileManager.default.fileExists(atPath: url.path) else {
                    broken.append("\(file): \(target) (no file \(resolved))")
                    continue
                }
                guard let anchor, resolved.hasSuffix(".md") else { continue }
                if anchorsByFile[resolved] == nil {
                    anchorsByFile[resolved] = MarkdownLinks.anchors(in: try String(contentsOf: url, encoding: .utf8))
                }
                if anchorsByFile[resolved]?.contains(anchor) != true {
                    broken.append("\(file): \(target) (no heading #\(anchor) in \(resolved))")
                }
            }
        }
        #expect(checked >= 20, "links were found (\(checked))")
        #expect(broken.isEmpty, "broken links:\n\(broken.joined(separator: "\n"))")
    }

    @Test func anchorsAreSpelledAsGitHubSpellsThem() {
        let text = """
            # Tandem
            ### Against the issue's targets
            ### 1000x10 at fixed rates: where every server stops meeting 10 ms
            ### `session.export` over the wire
            ## Tandem
            ```sh
            # not a heading
            ```
            """
        #expect(MarkdownLinks.anchors(in: text) == [
            "tandem", "against-the-issues-targets", "1000x10-at-fixed-rates-where-every-server-stops-meeting-10-ms",
            "sessionexport-over-the-wire", "tandem-1",
        ])
    }

    @Test func linksInCodeAreNotLinks() {
        let text = "See [the store](store.md#caps) and [site](https://example.com).\n```\n[x](nowhere.md)\n```\nAlso `[y](code.md)`."
        #expect(MarkdownLinks.relativeTargets(in: text) == ["store.md#caps"])
    }
}

/// The little of Markdown the link check needs: links outside code, headings, GitHub's anchors.
enum MarkdownLinks {
    /// `](target)` targets outside fenced and inline code that are not absolute URLs.
    static func relativeTargets(in text: String) -> [String] {
        var targets: [String] = []
        for line in prose(text) {
            let unquoted = line.replacingOccurrences(of: "`[^`]*`", with: "", options: .regularExpression)
            var rest = Substring(unquoted)
            while let open = rest.range(of: "](") {
                let after = rest[open.upperBound...]
                guard let close = after.firstIndex(of: ")") else { break }
                let target = String(after[..<close])
                if !target.isEmpty, !target.contains("://"), !target.hasPrefix("mailto:"), !target.contains(" ") {
                    targets.append(target)
                }
                rest = after[close...]
            }
        }
        return targets
    }

    /// `path#anchor` → (path, anchor); either may be missing.
    static func split(_ target: String) -> (String, String?) {
        guard let hash = target.firstIndex(of: "#") else { return (target, nil) }
        return (String(target[..<hash]), String(target[target.index(after: hash)...]))
    }

    /// `path` as seen from the folder of `file`, both relative to the root.
    static func normalize(_ path: String, from file: String) -> String {
        var parts = file.split(separator: "/").dropLast().map(String.init)
        for part in path.split(separator: "/") {
            if part == ".." { _ = parts.popLast() } else if part != "." { parts.append(String(part)) }
        }
        return parts.joined(separator: "/")
    }

    /// The anchors of the headings in `text`: lowercased, punctuation but `-` and `_` dropped, spaces
    /// made `-`, a repeated one numbered `-1`, `-2`, ... (GitHub's rule).
    static func anchors(in text: String) -> Set<String> {
        var seen: [String: Int] = [:]
        var anchors: Set<String> = []
        for line in prose(text) where line.hasPrefix("#") {
            let title = line.drop(while: { $0 == "#" })
            guard title.first == " " else { continue }
            let base = String(title.trimmingCharacters(in: .whitespaces).lowercased().unicodeScalars.compactMap { scalar -> Character? in
                if scalar == " " { return "-" }
                if scalar == "-" || scalar == "_" || CharacterSet.alphanumerics.contains(scalar) { return Character(scalar) }
                return nil
            })
            let count = seen[base, default: 0]
            seen[base] = count + 1
            anchors.insert(count == 0 ? base : "\(base)-\(count)")
        }
        return anchors
    }

    /// The lines of `text` outside fenced code blocks.
    private static func prose(_ text: String) -> [String] {
        var inFence = false
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { inFence.toggle(); continue }
            if !inFence { lines.append(String(line)) }
        }
        return lines
    }
}
