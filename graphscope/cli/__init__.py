"""The `graphscope` command line: one typer app, each command group in a module of its own."""

from __future__ import annotations

import typer

from graphscope.cli import activity, collect, neo4j, policy, potential, scope, serve, snapshot, viz

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
app.command("scope")(scope.scope_cmd)
app.command("exposure")(scope.exposure_cmd)
app.command("demo")(scope.demo_cmd)
app.command("viz")(viz.viz_cmd)
app.command("serve")(serve.serve_cmd)
app.add_typer(
    neo4j.app,
    name="neo4j",
    help="Keep the graph in Neo4j: push it, then query with --backend neo4j or Neo4j Browser.",
)
app.add_typer(
    snapshot.app, name="snapshot", help="Verify a collected snapshot against its manifest."
)


def main() -> None:
    app()
