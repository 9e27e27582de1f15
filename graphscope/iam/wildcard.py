"""IAM wildcard matching (`*` any run, `?` one character) without backtracking regexes.

Policies are attacker-controllable text, so matching must stay near-linear: a pattern is split on
`*`, the first and last segments are anchored, and middle segments are found left-most.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A segment (the text between two `*`) is its literal text, the positions that are a `?`
# wildcard, and, only when it has a `?`, a quantifier-free regex of fixed length: with no
# quantifier there is nothing to backtrack, so a search costs at most len(text) x len(segment)
# character steps, in C.
Segment = tuple[str, frozenset[int] | None, re.Pattern[str] | None]


def _seg_at(text: str, pos: int, seg: Segment) -> bool:
    """Whether `seg` matches `text` starting exactly at `pos`."""
    body, _, rx = seg
    if rx is None:
        return text.startswith(body, pos)
    return rx.match(text, pos, pos + len(body)) is not None


def _seg_find(text: str, seg: Segment, start: int, end: int) -> int:
    """Left-most position >= start where `seg` matches and ends by `end`, or -1."""
    body, _, rx = seg
    if rx is None:
        return text.find(body, start, end)
    m = rx.search(text, start, end)
    return m.start() if m else -1


@dataclass(frozen=True, slots=True)
class Glob:
    """A compiled wildcard pattern; `pieces` is for display and intersection checks."""

    segments: tuple[Segment, ...]
    has_star: bool
    min_len: int
    pieces: tuple[tuple[str, bool], ...]  # (text, literal?) as given, for tokenising

    def match(self, text: str) -> bool:
        """Whether the whole of `text` matches the pattern."""
        segs = self.segments
        if not self.has_star:
            seg = segs[0]
            return len(text) == len(seg[0]) and _seg_at(text, 0, seg)
        n = len(text)
        if n < self.min_len:
            return False
        first, last = segs[0], segs[-1]
        if first[0] and not _seg_at(text, 0, first):
            return False
        pos = len(first[0])
        end = n - len(last[0])
        if last[0] and not _seg_at(text, end, last):
            return False
        for seg in segs[1:-1]:
            if not seg[0]:
                continue
            hit = _seg_find(text, seg, pos, end)
            if hit < 0:
                return False
            pos = hit + len(seg[0])
        return True

    def tokens(self) -> list[str | None]:
        """The pattern as tokens: a character, '?'-wildcard as '' and '*' as None."""
        out: list[str | None] = []
        for text, literal in self.pieces:
            if literal:
                out.extend(text)
                continue
            for ch in text:
                out.append(None if ch == "*" else ("" if ch == "?" else ch))
        return out


def compile_glob(pattern: str, *, lower: bool = False) -> Glob:
    """Compile a pattern in which every `*` and `?` is a wildcard."""
    return compile_pieces(((pattern.lower() if lower else pattern, False),))


def compile_pieces(pieces: tuple[tuple[str, bool], ...] | list[tuple[str, bool]]) -> Glob:
    """Compile (text, literal) pieces: wildcards count only in non-literal pieces.

    Values substituted from policy variables are literal, so a `*` in a user name never widens
    a pattern.
    """
    segments: list[Segment] = []
    body: list[str] = []
    qpos: set[int] = set()
    size = 0  # characters in `body` so far
    has_star = False
    for text, literal in pieces:
        if literal:
            body.append(text)
            size += len(text)
            continue
        for ch in text:
            if ch == "*":
                segments.append(_finish(body, qpos))
                body, qpos, size = [], set(), 0
                has_star = True
            else:
                if ch == "?":
                    qpos.add(size)
                body.append(ch)
                size += 1
    segments.append(_finish(body, qpos))
    min_len = sum(len(s[0]) for s in segments)
    return Glob(tuple(segments), has_star, min_len, tuple(pieces))


def _finish(body: list[str], qpos: set[int]) -> Segment:
    text = "".join(body)
    if not qpos:
        return (text, None, None)
    rx = "".join("." if i in qpos else re.escape(ch) for i, ch in enumerate(text))
    return (text, frozenset(qpos), re.compile(rx, re.DOTALL))


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def globs_intersect(a: Glob, b: Glob) -> bool:
    """Whether some string matches both patterns (DP over token positions, no backtracking)."""
    ta, tb = a.tokens(), b.tokens()
    na, nb = len(ta), len(tb)
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == na and j == nb:
            return True
        x = ta[i] if i < na else False
        y = tb[j] if j < nb else False
        if x is None:
            stack.append((i + 1, j))
            if j < nb:
                stack.append((i, j + 1))
        if y is None:
            stack.append((i, j + 1))
            if i < na:
                stack.append((i + 1, j))
        if isinstance(x, str) and isinstance(y, str) and (x == "" or y == "" or x == y):
            stack.append((i + 1, j + 1))
    return False


def glob_covers(outer: Glob, inner: Glob) -> bool:
    """Whether every string matching `inner` also matches `outer` (sound, not complete).

    `outer`'s `*` may absorb any of `inner`'s tokens, its `?` one non-star token; literals must
    be equal. Exotic containments (e.g. `a*?` covering `a?*`) are reported as not covered.
    """
    to, ti = outer.tokens(), inner.tokens()
    no, ni = len(to), len(ti)
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == no and j == ni:
            return True
        if i == no:
            continue
        x = to[i]
        if x is None:
            stack.append((i + 1, j))
            if j < ni:
                stack.append((i, j + 1))
        elif j < ni:
            y = ti[j]
            if y is not None and (x == "" or x == y):
                stack.append((i + 1, j + 1))
    return False
