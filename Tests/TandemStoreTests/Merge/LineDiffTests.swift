import Testing
@testable import TandemMerge
@testable import TandemStore

@Suite struct LineDiffTests {
    /// Length of a longest common subsequence by the textbook dynamic programme (the reference).
    private func lcsLength(_ a: [Int], _ b: [Int]) -> Int {
        var row = Array(repeating: 0, count: b.count + 1)
        for x in a {
            var diagonal = 0
            for j in 0..<b.count {
                let above = row[j + 1]
                row[j + 1] = x == b[j] ? diagonal + 1 : max(row[j + 1], row[j])
                diagonal = above
            }
        }
        return row[b.count]
    }

    /// The matching is a common subsequence (equal elements, strictly increasing on both sides)
    /// and a longest one, on thousands of seeded random pairs over small alphabets.
    @Test func findsALongestCommonSubsequence() {
        for seed in UInt64(1)...3000 {
            var rng = SeededRandom(seed: seed)
            let alphabet = Int.random(in: 1...5, using: &rng)
            let a = (0..<Int.random(in: 0...14, using: &rng)).map { _ in Int.random(in: 0..<alphabet, using: &rng) }
            let b = (0..<Int.random(in: 0...14, using: &rng)).map { _ in Int.random(in: 0..<alphabet, using: &rng) }
            let map = LineDiff.matches(a, b)
            #expect(map.count == a.count)
            var lastJ = -1, matched = 0
            for (i, j) in map.enumerated() {
                guard let j else { continue }
                #expect(j > lastJ && j < b.count && a[i] == b[j], "seed \(seed)")
                lastJ = j
                matched += 1
            }
            #expect(matched == lcsLength(a, b), "seed \(seed): \(a) vs \(b)")
        }
    }

    /// Every pair of sequences up to length 5 over two symbols: all the small shapes, including
    /// the very unbalanced ones where the search runs past the edges of the box.
    @Test func exhaustiveSmallInputs() {
        var sequences: [[Int]] = [[]]
        var frontier: [[Int]] = [[]]
        for _ in 1...5 {
            frontier = frontier.flatMap { [$0 + [0], $0 + [1]] }
            sequences += frontier
        }
        var failures = 0
        for a in sequences {
            for b in sequences {
                let map = LineDiff.matches(a, b)
                let pairs = map.enumerated().compactMap { i, j in j.map { (i, $0) } }
                let valid = zip(pairs, pairs.dropFirst()).allSatisfy { $0.1 < $1.1 } && pairs.allSatisfy { a[$0] == b[$1] }
                if !valid || pairs.count != lcsLength(a, b) { failures += 1 }
            }
        }
        #expect(failures == 0)
    }

    @Test func edgeCases() {
        #expect(LineDiff.matches([], []) == [])
        #expect(LineDiff.matches([1, 2], []) == [nil, nil])
        #expect(LineDiff.matches([], [1]) == [])
        #expect(LineDiff.matches([1, 2, 3], [1, 2, 3]) == [0, 1, 2])
        #expect(LineDiff.matches([1, 2, 3], [4, 5, 6]) == [nil, nil, nil])
        #expect(LineDiff.matches([1, 2, 3], [1, 9, 3]) == [0, nil, 2])
        #expect(LineDiff.matches([7, 1, 2, 3, 8], [1, 2, 3]) == [nil, 0, 1, 2, nil])
    }

    /// Long, very different sequences (the worst case for O(ND)) stay correct and fast.
    @Test func largeDissimilarInputs() {
        var rng = SeededRandom(seed: 42)
        let a = (0..<1000).map { _ in Int.random(in: 0..<50, using: &rng) }
        let b = (0..<1000).map { _ in Int.random(in: 0..<50, using: &rng) }
        let map = LineDiff.matches(a, b)
        #expect(map.compactMap { $0 }.count == lcsLength(a, b))
    }

    @Test func linesKeepTheirTerminators() {
        let text = LineText("a\r\nb\n\nc")
        #expect(text.count == 4)
        #expect(text.text(lines: 0..<1) == "a\r\n")
        #expect(text.text(lines: 2..<4) == "\nc")
        #expect(text.text(lines: 0..<4) == "a\r\nb\n\nc")
        #expect(LineText("").count == 0)
        #expect(LineText("\n").count == 1)
    }

    /// Canonically equal but differently spelled lines are different lines: merges stay byte-exact.
    @Test func internerComparesBytes() {
        var interner = LineInterner()
        let ids = interner.ids(of: LineText("é\ne\u{301}\né\n"))
        #expect(ids[0] != ids[1] && ids[0] == ids[2])
    }
}
