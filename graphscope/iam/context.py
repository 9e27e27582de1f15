"""What a request knows about each condition key: its values, absence, or that it is unknown.

Keys are case-insensitive in AWS, so every lookup is by lower-cased name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class _State:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


ABSENT = _State("ABSENT")  # known not to be in the request
UNKNOWN = _State("UNKNOWN")  # presence and value unknown
UNKNOWN_VALUE = _State("UNKNOWN_VALUE")  # present, value unknown
UNKNOWN_STATES = (UNKNOWN, UNKNOWN_VALUE)

KeyState = tuple[str, ...] | _State


def _text(value: object) -> str:
    """Context values as AWS sees them: booleans as 'true'/'false', numbers as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Context:
    """Request context: known values, keys declared unknown, and the unknown-everything mode."""

    __slots__ = ("_cache", "assume_unknown", "unknown", "values")

    def __init__(
        self,
        values: Mapping[str, str | Iterable[str]] | None = None,
        unknown_keys: Iterable[str] = (),
        assume_unknown: bool = False,
    ) -> None:
        self.values: dict[str, tuple[str, ...]] = {}
        for key, val in (values or {}).items():
            self.values[key.lower()] = (
                (val,) if isinstance(val, str) else tuple(str(v) for v in val)
            )
        self.unknown = frozenset(k.lower() for k in unknown_keys)
        self.assume_unknown = assume_unknown

    def get(self, key: str) -> KeyState:
        """The state of lower-cased `key`."""
        if key in self.unknown:
            return UNKNOWN_VALUE if key in self.values else UNKNOWN
        found = self.values.get(key)
        if found is not None:
            return found
        return UNKNOWN if self.assume_unknown else ABSENT
