"""Random text triples (base, current, proposed) for the text merge run: what people really edit, where
more than one line diff is valid. Lines come from a small vocabulary ("", "}", "{", "return x;", a
duplicated paragraph...) so they repeat; sides move and duplicate blocks, edit the first and last
lines, insert at the same place, make the same change, and switch "\\n" / "\\r\\n" or drop the final
newline. Fresh lines (a counter) still appear, so the merge's property checks have lines only one
side has."""
from merge_model import lines

VOCAB = ["\n", "\n", "\n", "}\n", "}\n", "{\n", "    return x;\n", "end\n", "- item\n", "- item\n",
         "# Title\n", "\r\n", "}\r\n", "a\n", "b\n", "a\n"]
PARAGRAPH = ["Some text.\n", "\n", "More text.\n"]


class TextValues:
    """Makes text triples from one seeded `random.Random`."""

    def __init__(self, rng):
        self.rng = rng
        self.n = 0

    def fresh(self):
        self.n += 1
        return f"new {self.n}" + self.rng.choice(["\n", "\n", "\r\n"])

    def line(self):
        return self.fresh() if self.rng.random() < 0.3 else self.rng.choice(VOCAB)

    def base(self):
        rng = self.rng
        ls = []
        for _ in range(rng.randint(0, 14)):
            r = rng.random()
            if r < 0.1:
                ls += PARAGRAPH
            elif r < 0.2:
                ls += ["{\n", "    return x;\n", "}\n", "\n"]
            else:
                ls.append(self.line())
        return self.finish(ls, rng.random() < 0.2)

    def finish(self, ls, cut_last):
        """The text of `ls`: a middle line without "\\n" would join the next, so it gets one;
        the last line loses its terminator when `cut_last`."""
        ls = [x if x.endswith("\n") else x + "\n" for x in ls]
        text = "".join(ls)
        return text.rstrip("\r\n") if cut_last and text else text

    def edit(self, text, at=None):
        """`text` with one to three random edits; `at` fixes where an insertion goes (both sides
        inserting at one place)."""
        rng = self.rng
        ls = lines(text)
        for _ in range(rng.randint(1, 3)):
            r = rng.random()
            i = rng.choice([0, len(ls)]) if rng.random() < 0.3 else rng.randint(0, len(ls))  # ends often
            if at is not None:
                ls[at:at] = [self.line() for _ in range(rng.randint(1, 2))]
                at = None
            elif r < 0.2 and ls:
                j = min(i, len(ls) - 1)
                del ls[j:j + rng.randint(1, 3)]
            elif r < 0.4:
                ls[i:i] = [self.line() for _ in range(rng.randint(1, 3))]
            elif r < 0.55 and ls:
                ls[min(i, len(ls) - 1)] = self.line()
            elif r < 0.7 and len(ls) > 2:
                # move a block elsewhere
                j = rng.randint(0, len(ls) - 1)
                block = ls[j:j + rng.randint(1, 3)]
                del ls[j:j + len(block)]
                k = rng.randint(0, len(ls))
                ls[k:k] = block
            elif r < 0.8 and ls:
                # duplicate a block (a copied paragraph)
                j = rng.randint(0, len(ls) - 1)
                block = ls[j:j + rng.randint(1, 4)]
                k = rng.randint(0, len(ls))
                ls[k:k] = block
            elif r < 0.9 and ls:
                # line endings: one line to "\r\n" or back
                j = rng.randint(0, len(ls) - 1)
                x = ls[j]
                ls[j] = x[:-2] + "\n" if x.endswith("\r\n") else x.rstrip("\n") + "\r\n"
            elif ls:
                # the final newline: removed or added
                x = ls[-1]
                ls[-1] = x.rstrip("\r\n") if x.endswith("\n") else x + "\n"
        cut = bool(ls) and not ls[-1].endswith("\n")
        return self.finish(ls, cut)

    def triple(self):
        """(kind, base, current, proposed)."""
        rng = self.rng
        base = self.base()
        r = rng.random()
        if r < 0.1:
            cur = self.edit(base)
            return "same change", base, cur, cur
        if r < 0.25:
            at = rng.randint(0, len(lines(base)))
            return "same place", base, self.edit(base, at), self.edit(base, at)
        if r < 0.3:
            return "one side", base, base, self.edit(base)
        if r < 0.35:
            return "one side", base, self.edit(base), base
        if r < 0.45:
            # one side's edit, then the other edits that (a shared first change)
            cur = self.edit(base)
            return "shared start", base, cur, self.edit(cur)
        return "random", base, self.edit(base), self.edit(base)
