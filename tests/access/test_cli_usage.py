"""`path` refuses a non-identity start with a usage error instead of a traceback."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from graphscope.cli import app

SNAP = Path(__file__).resolve().parents[1] / "inventory" / "data" / "org-snapshot"
BUCKET = "arn:aws:s3:::acme-training-data"
ALICE = "arn:aws:iam::222222222222:user/dev-alice"


def _path(src: str, dst: str):
    args = ["path", "--snapshot", str(SNAP), "--from", src, "--to", dst, "--format", "json"]
    return CliRunner().invoke(app, args)


def test_path_from_a_bucket_is_a_usage_error() -> None:
    out = _path(BUCKET, ALICE)
    assert out.exit_code == 2, out.output
    assert out.exception is None or isinstance(out.exception, SystemExit)
    assert "not a user or role" in out.output


def test_path_from_a_user_still_answers() -> None:
    out = _path(ALICE, BUCKET)
    assert out.exit_code == 0, out.output
    assert '"paths"' in out.output


def test_viz_path_from_a_bucket_is_a_usage_error(tmp_path: Path) -> None:
    out_file = tmp_path / "g.html"
    args = ["viz", "--snapshot", str(SNAP), "--path", BUCKET, ALICE, "--out", str(out_file)]
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 2, out.output
    assert "must be a user or role" in out.output
    assert not out_file.exists()
