"""The bundled example incident (examples/incident/): its expected facts and the CLI's answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "incident"
SNAPSHOT = EXAMPLE / "snapshot"
CLOUDTRAIL = EXAMPLE / "cloudtrail"
INVOCATION_LOGS = EXAMPLE / "invocation-logs"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`graphscope ARGS` in a fresh process, as a responder runs it."""
    cmd = [sys.executable, "-c", "from graphscope.cli import main; main()", *args]
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, cwd=REPO)


@pytest.fixture(scope="session")
def expected() -> dict[str, Any]:
    return json.loads((EXAMPLE / "expected.json").read_text())


@pytest.fixture(scope="session")
def activity(expected: dict[str, Any]) -> dict[str, Any]:
    out = run_cli(
        "activity",
        "--access-key",
        expected["subject"]["access_key_id"],
        "--snapshot",
        str(SNAPSHOT),
        "--cloudtrail",
        str(CLOUDTRAIL),
        "--invocation-logs",
        str(INVOCATION_LOGS),
        "--format",
        "json",
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.fixture(scope="session")
def reach(expected: dict[str, Any]) -> dict[str, Any]:
    out = run_cli(
        "reach",
        "--snapshot",
        str(SNAPSHOT),
        "--access-key",
        expected["subject"]["access_key_id"],
        "--format",
        "json",
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)
