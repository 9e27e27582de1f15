"""Policy variables: `${aws:username}`, `${aws:PrincipalTag/x, 'default'}`, `${*}`, `${?}`, `${$}`.

A template is parsed once; resolving it against a request gives (text, literal) pieces, so that
text substituted from the request never acts as a wildcard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Special escapes: ${*}, ${?}, ${$} stand for the literal character.
_SPECIAL = {"*": "*", "?": "?", "$": "$"}
_VAR = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,\s]+)\s*,\s*'([^']*)'\s*$")


@dataclass(frozen=True, slots=True)
class Var:
    """A variable reference: the context key (lower-cased) and an optional default."""

    key: str
    default: str | None
    text: str


Part = str | Var  # plain policy text (wildcards active) or a variable


@dataclass(frozen=True, slots=True)
class Template:
    """A policy string with variables; `parts` alternate between text and Var."""

    source: str
    parts: tuple[Part | tuple[str], ...]  # tuple[str] = literal escape such as ${*}

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.parts if isinstance(p, Var))


def parse_template(text: str) -> Template | None:
    """Parse `text`; None when it holds no `${...}` (the common, fast case)."""
    if "${" not in text:
        return None
    parts: list[Part | tuple[str]] = []
    pos = 0
    for m in _VAR.finditer(text):
        if m.start() > pos:
            parts.append(text[pos : m.start()])
        inner = m.group(1)
        if inner in _SPECIAL:
            parts.append((_SPECIAL[inner],))
        else:
            dm = _DEFAULT.match(inner)
            if dm:
                parts.append(Var(dm.group(1).lower(), dm.group(2), m.group(0)))
            else:
                parts.append(Var(inner.strip().lower(), None, m.group(0)))
        pos = m.end()
    if pos < len(text):
        parts.append(text[pos:])
    return Template(text, tuple(parts))


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A variable that could not be substituted: absent (no default) or unknown."""

    key: str
    unknown: bool


def resolve(template: Template, lookup) -> list[tuple[str, bool]] | Unresolved:
    """Substitute variables via `lookup(key) -> KeyState`; multi-valued keys do not resolve."""
    from graphscope.iam.context import ABSENT, UNKNOWN_STATES

    pieces: list[tuple[str, bool]] = []
    for part in template.parts:
        if isinstance(part, str):
            pieces.append((part, False))
        elif isinstance(part, tuple):
            pieces.append((part[0], True))
        else:
            state = lookup(part.key)
            if state in UNKNOWN_STATES:
                return Unresolved(part.key, True)
            if state is ABSENT or not state or len(state) != 1:
                if part.default is not None and (state is ABSENT or not state):
                    pieces.append((part.default, True))
                    continue
                return Unresolved(part.key, False)
            pieces.append((state[0], True))
    return pieces


def pieces_text(pieces: list[tuple[str, bool]]) -> str:
    return "".join(t for t, _ in pieces)
