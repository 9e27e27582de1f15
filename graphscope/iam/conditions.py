"""Condition operators: every AWS family, with IfExists and the ForAllValues/ForAnyValue sets.

A clause evaluates to True, False or Unknown (when it hangs on a key the request does not know),
so that analysis can say "allowed only if ...". Bad values (not a number, not an IP) never match,
for negated operators too.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from graphscope.iam.context import ABSENT, UNKNOWN, UNKNOWN_VALUE, Context
from graphscope.iam.variables import Template, Unresolved, parse_template, resolve
from graphscope.iam.wildcard import compile_pieces

F, U, T = 0, 1, 2  # three-valued logic: AND is min, OR is max

# base operator name (lower) -> (family, negated)
_OPERATORS: dict[str, tuple[str, bool]] = {
    "stringequals": ("str_eq", False),
    "stringnotequals": ("str_eq", True),
    "stringequalsignorecase": ("str_ieq", False),
    "stringnotequalsignorecase": ("str_ieq", True),
    "stringlike": ("str_like", False),
    "stringnotlike": ("str_like", True),
    "numericequals": ("num_eq", False),
    "numericnotequals": ("num_eq", True),
    "numericlessthan": ("num_lt", False),
    "numericlessthanequals": ("num_le", False),
    "numericgreaterthan": ("num_gt", False),
    "numericgreaterthanequals": ("num_ge", False),
    "dateequals": ("date_eq", False),
    "datenotequals": ("date_eq", True),
    "datelessthan": ("date_lt", False),
    "datelessthanequals": ("date_le", False),
    "dategreaterthan": ("date_gt", False),
    "dategreaterthanequals": ("date_ge", False),
    "bool": ("bool", False),
    "binaryequals": ("binary", False),
    "ipaddress": ("ip", False),
    "notipaddress": ("ip", True),
    "arnequals": ("arn", False),
    "arnlike": ("arn", False),
    "arnnotequals": ("arn", True),
    "arnnotlike": ("arn", True),
    "null": ("null", False),
}


class ConditionSyntaxError(ValueError):
    """An operator name or value shape AWS would reject."""


def scalar_text(value: Any) -> str:
    """Policy JSON scalars as AWS reads them: true -> 'true', 10 -> '10'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return json.dumps(value)
    raise ConditionSyntaxError(
        f"condition value must be a string, number or boolean, not {type(value).__name__}"
    )


# ---- value parsers: return None when the text is not a valid value of the family ----


def _num(text: str) -> float | None:
    try:
        return float(text.strip())
    except ValueError:
        return None


def _date(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    if text.lstrip("-").replace(".", "", 1).isdigit():
        return float(text)  # epoch seconds
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def _bool(text: str) -> bool | None:
    low = text.strip().lower()
    return True if low == "true" else False if low == "false" else None


def _ip_net(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def _ip_addr(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _arn_parts(text: str) -> list[str] | None:
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[1] or not parts[2]:
        return None
    return parts


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


# ---- compiled policy values: a per-family matcher of one request value (None = error) ----

Matcher = Callable[[str], bool | None]


def _arn_matcher(pieces: list[tuple[str, bool]]) -> Matcher:
    chars = [(ch, lit) for text, lit in pieces for ch in text]
    parts: list[list[tuple[str, bool]]] = [[]]
    for ch, lit in chars:
        if ch == ":" and len(parts) < 6:
            parts.append([])
        else:
            parts[-1].append((ch, lit))
    head = "".join(ch for ch, _ in parts[0])
    if len(parts) != 6 or head != "arn" or not parts[1] or not parts[2]:
        return lambda _v: None
    globs = [compile_pieces([(ch, lit) for ch, lit in p]) for p in parts]

    def match(value: str) -> bool | None:
        got = _arn_parts(value)
        if got is None:
            return None
        return all(g.match(x) for g, x in zip(globs, got, strict=True))

    return match


def _make_matcher(family: str, pieces: list[tuple[str, bool]]) -> Matcher:
    """Build the matcher for one policy value of `family`, from resolved pieces."""
    text = "".join(t for t, _ in pieces)
    if family == "str_eq":
        return lambda v: v == text
    if family == "str_ieq":
        low = text.lower()
        return lambda v: v.lower() == low
    if family == "str_like":
        glob = compile_pieces(pieces)
        return glob.match
    if family.startswith("num_") or family.startswith("date_"):
        parse = _num if family.startswith("num_") else _date
        want = parse(text)
        if want is None:
            return lambda _v: None
        cmp = family.split("_")[1]

        def compare(v: str) -> bool | None:
            got = parse(v)
            if got is None:
                return None
            if cmp == "eq":
                return got == want
            if cmp == "lt":
                return got < want
            if cmp == "le":
                return got <= want
            if cmp == "gt":
                return got > want
            return got >= want

        return compare
    if family == "bool":
        want_b = _bool(text)
        if want_b is None:
            return lambda _v: None

        def compare_b(v: str) -> bool | None:
            got = _bool(v)
            return None if got is None else got == want_b

        return compare_b
    if family == "binary":
        want_bytes = _b64(text)

        def compare_bin(v: str) -> bool | None:
            if v == text:
                return True
            got = _b64(v)
            return got is not None and want_bytes is not None and got == want_bytes

        return compare_bin
    if family == "ip":
        net = _ip_net(text)
        if net is None:
            return lambda _v: None

        def compare_ip(v: str) -> bool | None:
            addr = _ip_addr(v)
            if addr is None:
                return None
            return addr.version == net.version and addr in net

        return compare_ip
    if family == "arn":
        return _arn_matcher(pieces)
    raise ConditionSyntaxError(f"no matcher for {family}")


@dataclass(frozen=True, slots=True)
class PolicyValue:
    """One value of a condition: pre-compiled, or a template resolved per request."""

    text: str
    matcher: Matcher | None
    template: Template | None


@dataclass(frozen=True, slots=True)
class Clause:
    """One operator/key pair of a Condition block, pre-parsed."""

    operator: str  # as written, e.g. "ForAnyValue:StringNotEqualsIfExists"
    key_text: str  # as written
    key: str  # lower-cased
    family: str
    negated: bool
    if_exists: bool
    set_op: str | None  # "all", "any" or None
    values: tuple[PolicyValue, ...]

    @property
    def text(self) -> str:
        vals = json.dumps([v.text for v in self.values])
        return f'"{self.operator}": {{"{self.key_text}": {vals}}}'

    def evaluate(self, ctx: Context) -> int:
        """True/False/Unknown (T/F/U) for this clause against the request context."""
        state = ctx.get(self.key)
        if self.family == "null":
            if state is UNKNOWN:
                return U
            present = state is UNKNOWN_VALUE or (state is not ABSENT and len(state) > 0)
            result = F
            for pv in self.values:
                want = _bool(pv.text)
                if want is None:
                    continue
                if want != present:  # "true" means the key must be absent
                    result = T
            return result
        if state is UNKNOWN or state is UNKNOWN_VALUE:
            return U
        absent = state is ABSENT or len(state) == 0
        if absent:
            if self.set_op == "all":
                return T
            if self.if_exists:
                return T
            if self.set_op == "any":
                return F
            return T if self.negated else F
        matchers: list[Matcher] = []
        error = False
        for pv in self.values:
            if pv.matcher is not None:
                matchers.append(pv.matcher)
                continue
            assert pv.template is not None
            pieces = resolve(pv.template, ctx.get)
            if isinstance(pieces, Unresolved):
                if pieces.unknown:
                    return U
                error = True
                continue
            matchers.append(_make_matcher(self.family, pieces))
        vals = state  # a tuple of request values

        def one(v: str) -> tuple[bool, bool]:
            hit = err = False
            for m in matchers:
                r = m(v)
                if r is None:
                    err = True
                elif r:
                    hit = True
                    break
            return hit, err

        results = [one(v) for v in vals]
        if not self.negated:
            if self.set_op == "all":
                return T if all(h for h, _ in results) else F
            return T if any(h for h, _ in results) else F
        # negated: a value passes when it matches no policy value and nothing failed to parse
        if error:
            return F
        passes = [not h and not e for h, e in results]
        if self.set_op == "any":
            return T if any(passes) else F
        return T if all(passes) else F


def parse_operator(name: str) -> tuple[str, bool, bool, str | None]:
    """Split an operator name into (family, negated, if_exists, set_op); raise when unknown."""
    set_op: str | None = None
    base = name
    if ":" in name:
        prefix, base = name.split(":", 1)
        low = prefix.lower()
        if low == "forallvalues":
            set_op = "all"
        elif low == "foranyvalue":
            set_op = "any"
        else:
            raise ConditionSyntaxError(f"unknown set operator {prefix!r} in {name!r}")
    low = base.lower()
    if_exists = low.endswith("ifexists")
    if if_exists:
        low = low[: -len("ifexists")]
    if low not in _OPERATORS:
        raise ConditionSyntaxError(f"unknown condition operator {name!r}")
    family, negated = _OPERATORS[low]
    if family == "null" and (if_exists or set_op):
        raise ConditionSyntaxError(f"{name!r}: Null takes no IfExists or set operator")
    return family, negated, if_exists, set_op


def compile_condition(block: Any, *, variables: bool) -> tuple[Clause, ...]:
    """Compile a Condition element; `variables` is False for pre-2012 policies (literal ${})."""
    if not isinstance(block, dict):
        raise ConditionSyntaxError("Condition must be an object of operator -> {key: values}")
    clauses: list[Clause] = []
    for op_name, keys in block.items():
        family, negated, if_exists, set_op = parse_operator(str(op_name))
        if not isinstance(keys, dict):
            raise ConditionSyntaxError(f"{op_name}: must map condition keys to values")
        for key, raw in keys.items():
            raw_list = raw if isinstance(raw, list) else [raw]
            if not raw_list:
                raise ConditionSyntaxError(f"{op_name}: {key}: no values")
            values: list[PolicyValue] = []
            for item in raw_list:
                text = scalar_text(item)
                tpl = parse_template(text) if variables and family != "null" else None
                if tpl is None:
                    values.append(
                        PolicyValue(
                            text,
                            _make_matcher(family, [(text, False)]) if family != "null" else None,
                            None,
                        )
                    )
                else:
                    values.append(PolicyValue(text, None, tpl))
            clauses.append(
                Clause(
                    str(op_name),
                    str(key),
                    str(key).lower(),
                    family,
                    negated,
                    if_exists,
                    set_op,
                    tuple(values),
                )
            )
    return tuple(clauses)
