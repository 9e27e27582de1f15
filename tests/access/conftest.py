"""Fixtures the reach tests share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from graphscope.ingest.inventory import load_inventory

from .helpers import synth_org


@pytest.fixture(scope="session")
def synth_inventory(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int, float], Any]:
    """The benchmark's synthetic organisation as a fresh graph store per call, its snapshot
    generated once per (seed, scale) for the whole run: several files compare walks on it."""
    made: dict[tuple[int, float], Any] = {}

    def store(seed: int, scale: float) -> Any:
        snap = made.get((seed, scale))
        if snap is None:
            out = tmp_path_factory.mktemp(f"synth{seed}-{scale}")
            synth_org().generate(out, seed, scale=scale)
            snap = made[(seed, scale)] = out / "snapshot"
        return load_inventory([snap]).store

    return store
