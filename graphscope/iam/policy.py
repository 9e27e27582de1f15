"""Parse and compile policy documents once into typed statements, with size limits.

Compilation lower-cases action patterns, pre-splits wildcards, parses Principal and Condition, so
that evaluating the same policy millions of times does no parsing at all.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import orjson

from graphscope.iam.conditions import Clause, ConditionSyntaxError, compile_condition
from graphscope.iam.principals import PrincipalSpec, compile_principal
from graphscope.iam.variables import Template, parse_template
from graphscope.iam.wildcard import Glob, compile_glob, has_wildcard

MAX_POLICY_BYTES = 131_072  # well above AWS's largest policy quota (KMS key policies: 32 KiB)
MAX_STATEMENTS = 1_000
MAX_ELEMENT_CHARS = 8_192  # one action/resource pattern or condition value


class PolicyError(ValueError):
    """A document that is not a valid policy; the message names the policy and the element."""

    def __init__(self, policy_id: str, where: str, problem: str) -> None:
        self.policy_id, self.where, self.problem = policy_id, where, problem
        at = f" {where}" if where else ""
        super().__init__(f"policy {policy_id!r}{at}: {problem}")


class PolicyKind(enum.Enum):
    IDENTITY = "identity"
    RESOURCE = "resource"
    BOUNDARY = "permissions boundary"
    SESSION = "session"
    SCP = "scp"
    RCP = "rcp"
    ENDPOINT = "vpc endpoint"


@dataclass(frozen=True, slots=True)
class StatementRef:
    """Which statement decided: the policy id (ARN, inline name, 'scp[1]') and Sid or index."""

    policy: str
    index: int
    sid: str | None
    kind: PolicyKind

    def __str__(self) -> str:
        return f"{self.policy}#{self.sid}" if self.sid else f"{self.policy}[{self.index}]"


@dataclass(frozen=True, slots=True)
class ActionMatcher:
    """Action / NotAction patterns: exact names in a set, wildcard patterns as globs."""

    any: bool
    exact: frozenset[str]
    globs: tuple[Glob, ...]
    texts: tuple[str, ...]

    def match(self, action_lower: str) -> bool:
        return (
            self.any or action_lower in self.exact or any(g.match(action_lower) for g in self.globs)
        )


@dataclass(frozen=True, slots=True)
class ResourcePattern:
    """One Resource / NotResource value: '*', a glob, or a template with policy variables."""

    text: str
    any: bool
    glob: Glob | None
    template: Template | None


@dataclass(frozen=True, slots=True)
class Statement:
    ref: StatementRef
    allow: bool
    actions: ActionMatcher
    not_action: bool
    resources: tuple[ResourcePattern, ...] | None  # None: no Resource element (applies to all)
    not_resource: bool
    principal: PrincipalSpec | None  # None: no Principal element
    not_principal: bool
    conditions: tuple[Clause, ...]
    raw: dict[str, Any] = field(compare=False, repr=False)

    def action_applies(self, action_lower: str) -> bool:
        return self.actions.match(action_lower) != self.not_action


@dataclass(slots=True)
class CompiledPolicy:
    """A compiled document; caches which statements apply to each action it has seen."""

    id: str
    kind: PolicyKind
    statements: tuple[Statement, ...]
    _by_action: dict[str, tuple[Statement, ...]] = field(default_factory=dict, repr=False)

    def for_action(self, action_lower: str) -> tuple[Statement, ...]:
        """Statements whose Action/NotAction covers the action (memoised, bounded)."""
        hit = self._by_action.get(action_lower)
        if hit is None:
            hit = tuple(s for s in self.statements if s.action_applies(action_lower))
            if len(self._by_action) > 4096:
                self._by_action.clear()
            self._by_action[action_lower] = hit
        return hit


def _strings(policy_id: str, where: str, value: Any) -> list[str]:
    vals = value if isinstance(value, list) else [value]
    if not vals:
        raise PolicyError(policy_id, where, "must not be an empty list")
    for v in vals:
        if not isinstance(v, str):
            raise PolicyError(policy_id, where, f"values must be strings, found {type(v).__name__}")
        if len(v) > MAX_ELEMENT_CHARS:
            raise PolicyError(policy_id, where, f"value longer than {MAX_ELEMENT_CHARS} characters")
    return vals


def _compile_actions(policy_id: str, where: str, value: Any) -> ActionMatcher:
    texts = _strings(policy_id, where, value)
    exact: set[str] = set()
    globs: list[Glob] = []
    any_action = False
    for t in texts:
        low = t.lower()
        if low == "*":
            any_action = True
        elif has_wildcard(low):
            globs.append(compile_glob(low))
        else:
            exact.add(low)
    return ActionMatcher(any_action, frozenset(exact), tuple(globs), tuple(texts))


def _compile_resources(
    policy_id: str, where: str, value: Any, variables: bool
) -> tuple[ResourcePattern, ...]:
    out: list[ResourcePattern] = []
    for t in _strings(policy_id, where, value):
        tpl = parse_template(t) if variables else None
        if tpl is not None:
            out.append(ResourcePattern(t, False, None, tpl))
        else:
            out.append(ResourcePattern(t, t == "*", None if t == "*" else compile_glob(t), None))
    return tuple(out)


def load_document(source: Any, policy_id: str) -> dict[str, Any]:
    """Accept a dict or JSON text/bytes; enforce the byte limit; return the document dict."""
    if isinstance(source, str | bytes | bytearray):
        raw = source.encode() if isinstance(source, str) else bytes(source)
        if len(raw) > MAX_POLICY_BYTES:
            raise PolicyError(
                policy_id,
                "",
                f"document is {len(raw)} bytes, over the {MAX_POLICY_BYTES}-byte limit",
            )
        try:
            source = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise PolicyError(policy_id, "", f"invalid JSON: {exc}") from None
    elif isinstance(source, dict):
        size = len(orjson.dumps(source))
        if size > MAX_POLICY_BYTES:
            raise PolicyError(
                policy_id, "", f"document is {size} bytes, over the {MAX_POLICY_BYTES}-byte limit"
            )
    if not isinstance(source, dict):
        raise PolicyError(
            policy_id, "", f"a policy must be a JSON object, found {type(source).__name__}"
        )
    return source


def compile_policy(
    source: Any, policy_id: str, kind: PolicyKind = PolicyKind.IDENTITY
) -> CompiledPolicy:
    """Compile a policy document (dict or JSON text). Raises PolicyError naming what is wrong."""
    doc = load_document(source, policy_id)
    if "Statement" not in doc:
        raise PolicyError(policy_id, "", "no Statement element")
    version = doc.get("Version")
    if version is not None and version not in ("2012-10-17", "2008-10-17"):
        raise PolicyError(policy_id, "Version", f"unknown version {version!r}")
    variables = version == "2012-10-17"  # older documents treat ${...} as literal text
    raw_statements = doc["Statement"]
    if isinstance(raw_statements, dict):
        raw_statements = [raw_statements]
    if not isinstance(raw_statements, list):
        raise PolicyError(policy_id, "Statement", "must be an object or a list of objects")
    if len(raw_statements) > MAX_STATEMENTS:
        raise PolicyError(
            policy_id,
            "Statement",
            f"{len(raw_statements)} statements, over the limit of {MAX_STATEMENTS}",
        )
    statements = tuple(
        _compile_statement(policy_id, kind, i, st, variables) for i, st in enumerate(raw_statements)
    )
    return CompiledPolicy(policy_id, kind, statements)


def _compile_statement(
    policy_id: str, kind: PolicyKind, index: int, st: Any, variables: bool
) -> Statement:
    where = f"Statement[{index}]"
    if not isinstance(st, dict):
        raise PolicyError(policy_id, where, "must be an object")
    sid = st.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise PolicyError(policy_id, f"{where}.Sid", "must be a string")
    if sid:
        where = f"Statement[{index}] (Sid {sid!r})"
    effect = st.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(
            policy_id, f"{where}.Effect", f'must be "Allow" or "Deny", found {effect!r}'
        )
    for a, b in (
        ("Action", "NotAction"),
        ("Resource", "NotResource"),
        ("Principal", "NotPrincipal"),
    ):
        if a in st and b in st:
            raise PolicyError(policy_id, where, f"has both {a} and {b}")
    if "Action" in st:
        actions, not_action = _compile_actions(policy_id, f"{where}.Action", st["Action"]), False
    elif "NotAction" in st:
        actions, not_action = (
            _compile_actions(policy_id, f"{where}.NotAction", st["NotAction"]),
            True,
        )
    else:
        raise PolicyError(policy_id, where, "has neither Action nor NotAction")
    resources: tuple[ResourcePattern, ...] | None = None
    not_resource = False
    if "Resource" in st:
        resources = _compile_resources(policy_id, f"{where}.Resource", st["Resource"], variables)
    elif "NotResource" in st:
        resources = _compile_resources(
            policy_id, f"{where}.NotResource", st["NotResource"], variables
        )
        not_resource = True
    principal = None
    not_principal = False
    for name in ("Principal", "NotPrincipal"):
        if name in st:
            try:
                principal = compile_principal(st[name])
            except ValueError as exc:
                raise PolicyError(policy_id, f"{where}.{name}", str(exc)) from None
            not_principal = name == "NotPrincipal"
    conditions: tuple[Clause, ...] = ()
    if "Condition" in st:
        try:
            conditions = compile_condition(st["Condition"], variables=variables)
        except ConditionSyntaxError as exc:
            raise PolicyError(policy_id, f"{where}.Condition", str(exc)) from None
    unknown = set(st) - {
        "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal", "Condition",
    }  # fmt: skip
    if unknown:
        raise PolicyError(policy_id, where, f"unknown element(s) {sorted(unknown)}")
    ref = StatementRef(policy_id, index, sid or None, kind)
    return Statement(
        ref,
        effect == "Allow",
        actions,
        not_action,
        resources,
        not_resource,
        principal,
        not_principal,
        conditions,
        st,
    )
