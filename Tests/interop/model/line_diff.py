"""The line matching of a text merge, written from docs/store.md ("Text merges, line by line"): which
longest common subsequence (LCS) of lines the server picks when several exist (repeated lines, moved
blocks). Written from the documented steps, not from the Swift code, and kept plain rather than fast:
the model's texts are short.

1. Lines found in only one of the two texts can never be matched: they are set aside first.
2. Of what is left, recursively on a box (a range of each text): the common leading lines are matched,
   then the common trailing lines; when both ranges are still non-empty, the box's middle snake (Myers
   1986, section 4b) is matched and the same is done left and right of it.
3. The middle snake: at d = 0, 1, 2, ... a forward pass tries diagonals k = d, d-2, ..., -d (k = x - y),
   each from the furthest-reaching neighbour (from k+1 going down when k = -d or when k+1 reaches
   further than k-1 in x, else from k-1 going right, ties to k-1), following equal lines; then a
   backward pass the same from the box's end (c = d, ..., -d relative to the end diagonal, taking
   k+1's y when c = -d or when c+1 reaches less far back than c-1, else c-1's y going up). When the
   difference of the ranges' lengths is odd, the forward pass ends on the first diagonal whose
   reach meets the backward reach of round d-1 (that diagonal's snake is the middle snake); when it
   is even, the backward pass ends on the first meeting with this round's forward reach."""


def matches(a, b):
    """For each index of `a`, the index of `b` it is matched with, or None (indices increase in both)."""
    in_a, in_b = set(a), set(b)
    keep_a = [i for i, x in enumerate(a) if x in in_b]
    keep_b = [j for j, y in enumerate(b) if y in in_a]
    ra, rb = [a[i] for i in keep_a], [b[j] for j in keep_b]
    pairs = [None] * len(ra)
    _collect(ra, rb, pairs, 0, len(ra), 0, len(rb))
    out = [None] * len(a)
    for i, j in enumerate(pairs):
        if j is not None:
            out[keep_a[i]] = keep_b[j]
    return out


def _collect(a, b, pairs, a_lo, a_hi, b_lo, b_hi):
    while a_lo < a_hi and b_lo < b_hi and a[a_lo] == b[b_lo]:
        pairs[a_lo] = b_lo
        a_lo, b_lo = a_lo + 1, b_lo + 1
    while a_lo < a_hi and b_lo < b_hi and a[a_hi - 1] == b[b_hi - 1]:
        a_hi, b_hi = a_hi - 1, b_hi - 1
        pairs[a_hi] = b_hi
    if a_lo == a_hi or b_lo == b_hi:
        return
    x0, y0, x1, y1 = _middle_snake(a, b, a_lo, a_hi, b_lo, b_hi)
    _collect(a, b, pairs, a_lo, x0, b_lo, y0)
    for i in range(x1 - x0):
        pairs[x0 + i] = y0 + i
    _collect(a, b, pairs, x1, a_hi, y1, b_hi)


def _middle_snake(a, b, a_lo, a_hi, b_lo, b_hi):
    """(x0, y0, x1, y1): the middle snake of the box, in absolute indices."""
    n, m = a_hi - a_lo, b_hi - b_lo
    delta = n - m
    odd = delta % 2 != 0
    fwd, bwd = {1: 0}, {1: m}  # furthest x per forward diagonal, furthest-back y per backward one
    for d in range((n + m + 1) // 2 + 1):
        for k in range(d, -d - 1, -2):
            if k == -d or (k != d and fwd[k - 1] < fwd[k + 1]):
                x = fwd[k + 1]
            else:
                x = fwd[k - 1] + 1
            y = x - k
            xs, ys = x, y
            while x < n and y < m and a[a_lo + x] == b[b_lo + y]:
                x, y = x + 1, y + 1
            fwd[k] = x
            c = k - delta
            if odd and -(d - 1) <= c <= d - 1 and y >= bwd[c]:
                return a_lo + xs, b_lo + ys, a_lo + x, b_lo + y
        for c in range(d, -d - 1, -2):
            if c == -d or (c != d and bwd[c - 1] > bwd[c + 1]):
                y = bwd[c + 1]
            else:
                y = bwd[c - 1] - 1
            k = c + delta
            x = y + k
            xs, ys = x, y
            while x > 0 and y > 0 and a[a_lo + x - 1] == b[b_lo + y - 1]:
                x, y = x - 1, y - 1
            bwd[c] = y
            if not odd and -d <= k <= d and x <= fwd[k]:
                return a_lo + x, b_lo + y, a_lo + xs, b_lo + ys
    raise AssertionError("no middle snake: cannot happen for an LCS box")


def lcs_length(a, b):
    """The length of a longest common subsequence (dynamic programming), to check `matches` against."""
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]
