"""`graphscope policy`: offline IAM evaluation (filled in by the IAM engine work)."""

import typer

app = typer.Typer(no_args_is_help=True)
