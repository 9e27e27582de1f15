"""The `graphscope` command line: one typer app, each command group in a module of its own."""

from __future__ import annotations

import typer

from graphscope.cli import policy

app = typer.Typer(
    name="graphscope",
    help="Scope a leaked AWS key: what it could reach, what it touched, what the logs cannot see.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(
    policy.app, name="policy", help="Evaluate IAM policies offline: would this request be allowed?"
)


def main() -> None:
    app()
