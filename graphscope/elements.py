"""Assign observed events to the seven AI incident-response elements.

The mapping is data (graphscope/data/elements.toml, read once); this module only interprets it.
The rules of interpretation are written at the top of that file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from graphscope.schema import ELEMENTS, canonical_element

_VERSION_SUFFIX = re.compile(r"\d{8}(v\d+)?$")


@dataclass(frozen=True, slots=True)
class Rule:
    element: str
    sources: frozenset[str] | None  # None = any event source
    exact: frozenset[str]
    prefixes: tuple[str, ...]
    tier: int

    def matches(self, source: str, name: str) -> bool:
        if self.sources is not None and source not in self.sources:
            return False
        return name in self.exact or name.startswith(self.prefixes)


@dataclass(frozen=True, slots=True)
class Classification:
    """The elements an event lands in; `unclassified` when only the fallback put it there."""

    elements: tuple[str, ...]
    unclassified: bool
    denied: bool


@dataclass(frozen=True, slots=True)
class ElementMap:
    rules: tuple[Rule, ...]
    fallback: str
    denied_codes: frozenset[str]
    coverage_signals: dict[str, str]


def base_event_name(name: str) -> str:
    """Strip an API-version suffix: CreateFunction20150331 -> CreateFunction."""
    return _VERSION_SUFFIX.sub("", name)


def _rule(raw: dict) -> Rule:
    element = canonical_element(raw["element"])
    names = raw["names"]
    sources = raw.get("sources_in")
    if raw.get("source", "*") != "*":
        sources = [raw["source"], *(sources or [])]
    exact = frozenset(n for n in names if not n.endswith("*"))
    prefixes = tuple(n[:-1] for n in names if n.endswith("*"))
    return Rule(
        element, frozenset(sources) if sources else None, exact, prefixes, int(raw.get("tier", 1))
    )


@cache
def element_map() -> ElementMap:
    """Load graphscope/data/elements.toml once, failing loudly on an unknown element name."""
    text = resources.files("graphscope.data").joinpath("elements.toml").read_text("utf-8")
    data = tomllib.loads(text)
    return ElementMap(
        rules=tuple(_rule(r) for r in data["rule"]),
        fallback=canonical_element(data["fallback_element"]),
        denied_codes=frozenset(data["denied_error_codes"]),
        coverage_signals=dict(data.get("coverage_signals", {})),
    )


def is_denied(error_code: str | None) -> bool:
    """Whether an error code means the caller was refused (recon evidence), not a bad request."""
    if not error_code:
        return False
    return (
        error_code in element_map().denied_codes
        or "AccessDenied" in error_code
        or "Unauthorized" in error_code
    )


@cache
def _elements_for(source: str, name: str) -> tuple[tuple[str, ...], bool]:
    emap = element_map()
    base = base_event_name(name) if name else name
    for tier in (1, 2):
        found = {r.element for r in emap.rules if r.tier == tier and r.matches(source, base)}
        if found:
            return tuple(e for e in ELEMENTS if e in found), False
    return (emap.fallback,), True


def classify(source: str, name: str, error_code: str | None = None) -> Classification:
    """Elements for one CloudTrail event (see the rules at the top of elements.toml)."""
    elements, unclassified = _elements_for(source, name)
    denied = is_denied(error_code)
    if denied and "Access" not in elements:
        elements = tuple(e for e in ELEMENTS if e in elements or e == "Access")
    return Classification(elements, unclassified, denied)


def coverage_signal(source: str, name: str) -> str | None:
    """What a successful call of this event hides from the logs, when it is a coverage signal."""
    return element_map().coverage_signals.get(f"{source}:{base_event_name(name)}")
