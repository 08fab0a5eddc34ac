"""Random row values and random edits of them for the merge run: nested objects, numbers from a small
range (so two writers often make the same change), arrays, and multi-line texts whose lines are all
distinct (fresh lines come from a counter), with "\\n", "\\r\\n" and a missing final newline."""
from merge_model import lines


class Values:
    """Makes values and edits from one seeded `random.Random`."""

    def __init__(self, rng):
        self.rng = rng
        self.n = 0

    def line(self):
        self.n += 1
        return f"line {self.n}" + self.rng.choice(["\n", "\n", "\n", "\r\n"])

    def text(self):
        t = "".join(self.line() for _ in range(self.rng.randint(3, 12)))
        return t.rstrip("\r\n") if self.rng.random() < 0.2 else t

    def leaf(self):
        r = self.rng.random()
        if r < 0.4:
            return self.rng.randint(0, 3)
        if r < 0.6:
            return self.text()
        if r < 0.75:
            return [self.rng.randint(0, 2) for _ in range(self.rng.randint(0, 2))]
        return self.rng.choice([None, True, False, "x", 1.5])

    def obj(self, depth=0):
        out = {}
        for k in self.rng.sample(["a", "b", "c", "d", "e/f", "t"], self.rng.randint(1, 4)):
            out[k] = self.obj(depth + 1) if depth < 2 and self.rng.random() < (0.6 if depth == 0 else 0.3) else self.leaf()
        return out

    def fresh(self, kind):
        """A new value for a key of this kind ('doc', 'text' or 'list')."""
        if kind == "doc":
            return self.obj()
        if kind == "text":
            return self.text()
        return [self.rng.randint(0, 3) for _ in range(self.rng.randint(0, 3))]

    def edit_text(self, t):
        ls = lines(t)
        for _ in range(self.rng.randint(1, 2)):
            r = self.rng.random()
            i = self.rng.randint(0, len(ls))
            if r < 0.3 and ls:
                del ls[min(i, len(ls) - 1)]
            elif r < 0.6:
                ls.insert(i, self.line())
            elif r < 0.9 and ls:
                ls[min(i, len(ls) - 1)] = self.line()
            elif ls:
                ls[-1] = ls[-1].rstrip("\r\n") if ls[-1].endswith("\n") else ls[-1] + "\n"
        # a line without a terminator in the middle would join with the next: give it one
        ls = [x if x.endswith("\n") or j == len(ls) - 1 else x + "\n" for j, x in enumerate(ls)]
        return "".join(ls)

    def edit(self, v, depth=0):
        """v with one to three random changes (deep-copied; v itself is left alone)."""
        rng = self.rng
        if isinstance(v, str) and rng.random() < 0.85:
            return self.edit_text(v)
        if not isinstance(v, dict) or rng.random() < 0.05:
            return self.leaf() if rng.random() < 0.5 or depth > 0 else self.obj()
        out = dict(v)
        for _ in range(rng.randint(1, 3 if depth == 0 else 1)):
            keys = list(out)
            r = rng.random()
            if keys and r < 0.5:
                nested = [k for k in keys if isinstance(out[k], dict)]  # deep merges need both sides in one
                k = rng.choice(nested if nested and rng.random() < 0.7 else keys)
                out[k] = self.edit(out[k], depth + 1)
            elif keys and r < 0.65:
                del out[rng.choice(keys)]
            else:
                out[rng.choice(["a", "b", "c", "d", "e/f", "t", "g~h"])] = self.leaf()
        return out
