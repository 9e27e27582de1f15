"""What the reach tests share: the benchmark's synthetic organisation generator, and one
field-by-field view of a blast radius to compare two walks by."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from graphscope.access.walk import Reached

ROOT = Path(__file__).resolve().parents[2]


def synth_org() -> ModuleType:
    """benchmarks/synth_org.py as a module (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location("synth_org", ROOT / "benchmarks" / "synth_org.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("synth_org", mod)
    spec.loader.exec_module(mod)
    return mod


def reached_view(reached: dict[str, Reached], *, conditional: bool = True) -> dict[str, object]:
    """Every field a report shows per reached node: per action its level, decision, conditions,
    assumptions and statements; whether the whole entry is conditional; its paths."""
    return {
        node_id: (
            {
                a: (
                    g.access_level,
                    g.outcome.decision,
                    g.outcome.conditions,
                    g.outcome.assumptions,
                    g.granted_by,
                )
                for a, g in sorted(r.grants.items())
            },
            *((r.conditional,) if conditional else ()),
            list(r.paths),
        )
        for node_id, r in reached.items()
    }
