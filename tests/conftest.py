"""Shared test fixtures: where ../shared lives, and a clear failure when it does not."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only ../shared folder beside the project root."""
    if not (SHARED / "README.md").is_file():
        pytest.fail(f"../shared is missing (looked for {SHARED}); tests need its data")
    return SHARED
