"""Fixtures for the scope tests: the hand-built incident over the inventory fixture, the CLI run
in a subprocess, and a headless Chromium that refuses every network request."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .handmade import KEY, write

REPO = Path(__file__).resolve().parents[2]
ORG_SNAPSHOT = REPO / "tests" / "inventory" / "data" / "org-snapshot"
ACTIVITY_INCIDENT = REPO / "tests" / "activity" / "data" / "incident" / "AWSLogs"
EXAMPLE = REPO / "examples" / "incident"
CHROMIUM = os.environ.get("GRAPHSCOPE_CHROMIUM", "/usr/bin/chromium")


def run_cli(
    *args: str, check: bool = True, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`graphscope ARGS` in a fresh interpreter, as a responder runs it."""
    cmd = [sys.executable, "-c", "from graphscope.cli import main; main()", *args]
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        cmd, capture_output=True, text=True, check=check, timeout=300, env=env, cwd=cwd
    )


@pytest.fixture(scope="session")
def hand_inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write(tmp_path_factory.mktemp("hand"))


def scope_args(hand_inputs: tuple[Path, Path], *extra: str) -> list[str]:
    ct, inv = hand_inputs
    return [
        "scope",
        "--snapshot",
        str(ORG_SNAPSHOT),
        "--cloudtrail",
        str(ct),
        "--invocation-logs",
        str(inv),
        *extra,
    ]


@pytest.fixture(scope="session")
def hand_report(hand_inputs: tuple[Path, Path]) -> dict:
    """The leaked key's scope as JSON, over a one-day window."""
    out = run_cli(
        *scope_args(
            hand_inputs, "--access-key", KEY, "--since", "2026-04-02", "--until", "2026-04-02"
        )
    )
    return json.loads(out.stdout)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).is_file() and not shutil.which(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is missing: apt-get install -y chromium (or set GRAPHSCOPE_CHROMIUM)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        yield b
        b.close()
