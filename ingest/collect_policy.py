"""The minimal read-only IAM policy `collect` needs, generated from the operation table.

Regenerate examples/collect-policy.json with `python -m graphscope.ingest.collect_policy`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from graphscope.ingest.collect_ops import EXTRA_ACTIONS, OPERATIONS

POLICY_PATH = Path(__file__).resolve().parent.parent / "examples" / "collect-policy.json"


def required_actions() -> list[str]:
    """Every IAM action the table and collect's own calls need, sorted, each once."""
    actions = {op.iam_action for op in OPERATIONS} | {a for a, _ in EXTRA_ACTIONS}
    return sorted(actions, key=str.lower)


def collect_policy() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "GraphscopeCollectReadOnly",
                "Effect": "Allow",
                "Action": required_actions(),
                "Resource": "*",
            }
        ],
    }


def render() -> str:
    import json

    return json.dumps(collect_policy(), indent=2) + "\n"


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else POLICY_PATH
    out.write_text(render())
    print(f"wrote {out} ({len(required_actions())} actions)")
