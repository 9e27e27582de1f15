"""--since/--until: impossible dates are refused, not compared as strings."""

from __future__ import annotations

import pytest

from graphscope.window import window_bound


@pytest.mark.parametrize("bad", ["9999-99-99", "2026-02-30", "2026-11-01T25:00:00Z", "yesterday"])
def test_impossible_times_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="bad time"):
        window_bound(bad)


def test_bare_dates_cover_the_whole_day() -> None:
    assert window_bound("2026-11-01") == "2026-11-01T00:00:00Z"
    assert window_bound("2026-11-01", end=True) == "2026-11-01T23:59:59Z"
