"""The terminal table of `graphscope reach` tells proxy reach apart from roles the key can become."""

from __future__ import annotations

import os
import subprocess
import sys

from .conftest import REPO, SNAPSHOT


def test_reach_table_marks_proxy_roles_and_not_assumed_ones() -> None:
    args = ["reach", "--snapshot", str(SNAPSHOT), "--access-key", "AKIAIOSFODNN7EXAMPLE"]
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from graphscope.cli import main; main()",
            *args,
            "--format",
            "table",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "600"},  # wide enough that no cell wraps
        cwd=REPO,
    )
    assert out.returncode == 0, out.stderr
    rows = {line.split("│")[1].strip(): line for line in out.stdout.splitlines() if "│" in line}
    kb_role = "arn:aws:iam::777788889999:role/bedrock-kb-role"
    app_role = "arn:aws:iam::777788889999:role/bedrock-app-role"
    assert "proxy: reads only the knowledge base" in rows[kb_role]
    assert "proxy" not in rows[app_role]  # assumed for real: the key holds its credentials
