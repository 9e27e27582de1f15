"""`graphscope policy`: offline IAM evaluation. Would this request be allowed, and why?

`simulate --cases FILE` runs a file of cases in the neutral shape of ../shared/iam-cases;
`simulate --principal ... --action ... --resource ...` answers one request from policy files.
"""

from __future__ import annotations

import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from graphscope.iam import (
    CompiledPolicy,
    Evaluation,
    PolicyError,
    PolicyKind,
    PolicySet,
    Request,
    compile_policy,
    evaluate,
    parse_principal,
    principal_context,
)
from graphscope.iam.actions import access_level
from graphscope.iam.cases import CaseFileError, read_cases, to_inputs

app = typer.Typer(no_args_is_help=True)


class Format(StrEnum):
    auto = "auto"
    table = "table"
    text = "text"
    json = "json"


def _fail(message: str) -> typer.Exit:
    """Print a one-line error to stderr and give the exit to raise (no traceback)."""
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"[bold red]error:[/] {message}", markup=True
    )
    return typer.Exit(2)


def _read_policies(path: Path, kind: PolicyKind, label: str) -> list[CompiledPolicy]:
    """A file holding one policy document, or a JSON list of them (one SCP level)."""
    try:
        raw = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise _fail(f"{path}: cannot read: {exc.strerror}") from None
    except orjson.JSONDecodeError as exc:
        raise _fail(f"{path}: invalid JSON: {exc}") from None
    docs = raw if isinstance(raw, list) else [raw]
    out: list[CompiledPolicy] = []
    for i, doc in enumerate(docs):
        pid = f"{label}:{path.name}" + (f"[{i}]" if len(docs) > 1 else "")
        try:
            out.append(compile_policy(doc, pid, kind))
        except PolicyError as exc:
            raise _fail(f"{path}: {exc}") from None
    return out


def _evaluation_json(ev: Evaluation) -> dict[str, Any]:
    return {
        "decision": ev.decision.value,
        "granted_by": [str(r) for r in ev.granted_by],
        "allowed_by": [str(r) for r in ev.allowed_by],
        "denied_by": [str(r) for r in ev.denied_by],
        "conditions": [
            {"polarity": c.polarity.value, "condition": c.text, "statement": str(c.statement)}
            for c in ev.conditions
        ],
        "reason": ev.reason,
    }


def _resolve_format(fmt: Format) -> Format:
    if fmt is Format.auto:
        return Format.table if sys.stdout.isatty() else Format.text
    return fmt


def _run_cases(path: Path, fmt: Format, check: bool) -> None:
    try:
        loaded = read_cases(path)
    except CaseFileError as exc:
        raise _fail(str(exc)) from None
    compiled: list[tuple[str, str | None, Request, PolicySet]] = []
    for lineno, case in loaded:
        try:
            req, pols = to_inputs(case)
        except (PolicyError, ValueError) as exc:
            raise _fail(f"{path}:{lineno}: case {case.id!r}: {exc}") from None
        compiled.append((case.id, case.expected, req, pols))
    results: list[Evaluation] = []
    access_level("iam:GetPolicy")  # load the action database before timing, not during
    start = time.perf_counter()
    for _, _, req, pols in compiled:
        results.append(evaluate(req, pols))
    elapsed = time.perf_counter() - start
    rate = len(results) / elapsed if elapsed > 0 else float("inf")
    with_expected = [(c[1], r) for c, r in zip(compiled, results, strict=True) if c[1] is not None]
    matched = sum(1 for exp, r in with_expected if exp == r.decision.value)
    summary = f"{len(results)} cases"
    if with_expected:
        summary += f", {matched}/{len(with_expected)} matched expected"
    summary += f", {rate:,.0f} evals/s"
    fmt = _resolve_format(fmt)
    if fmt is Format.json:
        out = sys.stdout.buffer
        for (cid, _, _, _), ev in zip(compiled, results, strict=True):
            out.write(orjson.dumps({"id": cid, "decision": ev.decision.value}) + b"\n")
        out.flush()
        print(summary, file=sys.stderr)
    elif fmt is Format.table:
        table = Table(title=str(path))
        table.add_column("id")
        table.add_column("decision")
        table.add_column("expected")
        table.add_column("granted / denied by")
        for (cid, exp, _, _), ev in zip(compiled, results, strict=True):
            ok = exp is None or exp == ev.decision.value
            mark = "" if exp is None else (exp if ok else f"[red]{exp} (miss)[/]")
            refs = ", ".join(str(r) for r in (ev.denied_by or ev.allowed_by))
            table.add_row(cid, ev.decision.value, mark, refs)
        console = Console()
        console.print(table)
        console.print(summary)
    else:
        for (cid, exp, _, _), ev in zip(compiled, results, strict=True):
            miss = "" if exp is None or exp == ev.decision.value else f"\t(expected {exp})"
            print(f"{cid}\t{ev.decision.value}{miss}")
        print(summary)
    if check and matched != len(with_expected):
        raise typer.Exit(1)


def _parse_context(pairs: list[str]) -> dict[str, list[str]]:
    ctx: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise _fail(f"--context {pair!r}: expected KEY=VALUE")
        ctx.setdefault(key, []).append(value)
    return ctx


def _run_single(
    principal: str,
    action: str,
    resource: str,
    resource_account: str | None,
    context: list[str],
    unknown_keys: list[str],
    assume_unknown: bool,
    identity: list[Path],
    resource_policies: list[Path],
    boundary: Path | None,
    scps: list[Path],
    rcps: list[Path],
    session: Path | None,
    endpoints: list[Path],
    management_account: str | None,
    fmt: Format,
) -> None:
    try:
        who = parse_principal(
            {"type": "Anonymous"} if principal.lower() == "anonymous" else principal
        )
    except ValueError as exc:
        raise _fail(f"--principal: {exc}") from None
    values: dict[str, Any] = dict(principal_context(who))
    for key, vals in _parse_context(context).items():
        values[key] = vals[0] if len(vals) == 1 else vals
    req = Request(
        principal=who,
        action=action,
        resource=resource,
        resource_account=resource_account,
        context=values,
        unknown_keys=frozenset(unknown_keys),
        assume_unknown=assume_unknown,
    )
    pols = PolicySet(
        identity=tuple(
            p for f in identity for p in _read_policies(f, PolicyKind.IDENTITY, "identity")
        ),
        resource=tuple(
            p for f in resource_policies for p in _read_policies(f, PolicyKind.RESOURCE, "resource")
        ),
        boundary=tuple(_read_policies(boundary, PolicyKind.BOUNDARY, "boundary"))
        if boundary
        else (),
        session=_read_policies(session, PolicyKind.SESSION, "session")[0] if session else None,
        scps=tuple(
            tuple(_read_policies(f, PolicyKind.SCP, f"scp[{n}]")) for n, f in enumerate(scps)
        ),
        rcps=tuple(
            tuple(_read_policies(f, PolicyKind.RCP, f"rcp[{n}]")) for n, f in enumerate(rcps)
        ),
        endpoints=tuple(
            p for f in endpoints for p in _read_policies(f, PolicyKind.ENDPOINT, "endpoint")
        ),
        management_account=management_account,
    )
    ev = evaluate(req, pols)
    fmt = _resolve_format(fmt)
    if fmt is Format.json:
        sys.stdout.buffer.write(orjson.dumps(_evaluation_json(ev)) + b"\n")
        return
    console = Console(
        highlight=False, no_color=fmt is Format.text, width=200 if fmt is Format.text else None
    )
    console.print(f"{ev.decision.value}: {principal} -> {action} on {resource}", markup=False)
    console.print(f"  reason: {ev.reason}", markup=False)
    for ref in ev.granted_by:
        console.print(f"  granted_by: {ref}", markup=False)
    for ref in ev.allowed_by:
        if ref not in ev.granted_by:
            console.print(f"  also allowed by ({ref.kind.value}): {ref}", markup=False)
    for ref in ev.denied_by:
        label = "denied_by" if ev.decision.value == "ExplicitDeny" else "denied_if"
        console.print(f"  {label}: {ref}", markup=False)
    for cond in ev.conditions:
        console.print(
            f"  condition ({cond.polarity.value}): {cond.text}  [{cond.statement}]", markup=False
        )


@app.command()
def simulate(
    cases: Annotated[
        Path | None, typer.Option(help="JSONL/JSON file of cases (neutral shape)")
    ] = None,
    fmt: Annotated[
        Format, typer.Option("--format", help="table on a terminal, text in pipes, or json")
    ] = Format.auto,
    check: Annotated[
        bool, typer.Option(help="exit 1 when a case's decision differs from expected")
    ] = False,
    principal: Annotated[
        str | None, typer.Option(help="caller ARN, service name, or 'anonymous'")
    ] = None,
    action: Annotated[str | None, typer.Option(help="e.g. bedrock:InvokeModel")] = None,
    resource: Annotated[
        str | None, typer.Option(help="resource ARN, or * for actions without one")
    ] = None,
    resource_account: Annotated[
        str | None, typer.Option(help="account owning the resource")
    ] = None,
    context: Annotated[list[str] | None, typer.Option(help="KEY=VALUE, repeat for lists")] = None,
    unknown_key: Annotated[
        list[str] | None, typer.Option(help="a context key whose value is unknown")
    ] = None,
    assume_unknown: Annotated[
        bool, typer.Option(help="every key not given with --context is unknown")
    ] = False,
    identity_policy: Annotated[
        list[Path] | None, typer.Option(help="identity-based policy file")
    ] = None,
    resource_policy: Annotated[
        list[Path] | None, typer.Option(help="resource-based policy file")
    ] = None,
    boundary: Annotated[Path | None, typer.Option(help="permissions boundary policy file")] = None,
    scp: Annotated[
        list[Path] | None, typer.Option(help="one SCP level per file (a policy or a list)")
    ] = None,
    rcp: Annotated[
        list[Path] | None, typer.Option(help="one RCP level per file (a policy or a list)")
    ] = None,
    session_policy: Annotated[Path | None, typer.Option(help="session policy file")] = None,
    endpoint_policy: Annotated[
        list[Path] | None, typer.Option(help="VPC endpoint policy file")
    ] = None,
    management_account: Annotated[
        str | None, typer.Option(help="the organization's management account")
    ] = None,
) -> None:
    """Evaluate a file of cases, or one request against policy files, offline."""
    if cases is not None:
        if principal or action or resource:
            raise _fail(
                "give either --cases or a single request (--principal/--action/--resource), not both"
            )
        _run_cases(cases, fmt, check)
        return
    if not (principal and action and resource):
        raise _fail("give --cases FILE, or --principal, --action and --resource")
    _run_single(
        principal,
        action,
        resource,
        resource_account,
        context or [],
        unknown_key or [],
        assume_unknown,
        identity_policy or [],
        resource_policy or [],
        boundary,
        scp or [],
        rcp or [],
        session_policy,
        endpoint_policy or [],
        management_account,
        fmt,
    )
