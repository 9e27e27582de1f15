"""The `graphscope` command line: one typer app, each command group in a module of its own."""

from __future__ import annotations

import typer

from graphscope.cli import activity, collect, policy, potential, snapshot

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
app.command("collect")(collect.collect_cmd)
app.command("activity")(activity.activity_cmd)
app.command("reach")(potential.reach_cmd)
app.command("who-can")(potential.who_can_cmd)
app.command("path")(potential.path_cmd)
app.add_typer(snapshot.app, name="snapshot", help="Verify a collected snapshot against its manifest.")


def main() -> None:
    app()
