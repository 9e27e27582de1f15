"""Wildcard matching: agrees with a reference matcher, and stays linear on hostile patterns."""

from __future__ import annotations

import random
import re

import pytest

from graphscope.iam.wildcard import compile_glob, compile_pieces, glob_covers, globs_intersect


def _reference(pattern: str, text: str) -> bool:
    """A slow but obviously right matcher (regex), only for short random inputs."""
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, text, re.DOTALL) is not None


def test_agrees_with_reference_on_random_inputs() -> None:
    rng = random.Random(7)
    for _ in range(4000):
        pattern = "".join(rng.choice("ab*?") for _ in range(rng.randint(0, 8)))
        text = "".join(rng.choice("ab") for _ in range(rng.randint(0, 10)))
        assert compile_glob(pattern).match(text) == _reference(pattern, text), (pattern, text)


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b", True),
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", False),
        ("arn:aws:s3:::*/AWSLogs/*", "arn:aws:s3:::b/AWSLogs/x", True),
        ("*", "", True),
        ("", "", True),
        ("a*b*c", "abc", True),
        ("a*b*c", "acb", False),
        ("?", "", False),
        ("*?", "x", True),
    ],
)
def test_examples(pattern: str, text: str, expected: bool) -> None:
    assert compile_glob(pattern).match(text) is expected


def test_hostile_pattern_finishes() -> None:
    # A backtracking matcher takes exponential time here; ours scans left to right once.
    pattern = "a*" * 200 + "b"
    text = "a" * 100_000
    assert compile_glob(pattern).match(text) is False
    assert compile_glob(pattern).match(text + "b") is True
    qpattern = "a?" * 50 + "*" + "?a*" * 100 + "b"
    assert compile_glob(qpattern).match(text) is False


def test_hostile_resource_pattern_through_the_engine(decide) -> None:
    stmt = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::" + "a*" * 300 + "b",
    }
    got = decide(stmt, resource="arn:aws:s3:::" + "a" * 50_000)
    assert got.decision.value == "ImplicitDeny"


def test_literal_pieces_are_not_wildcards() -> None:
    g = compile_pieces([("home/", False), ("*", True), ("/*", False)])
    assert g.match("home/*/x")
    assert not g.match("home/al/x")


def test_intersection_and_cover() -> None:
    g = compile_glob
    assert globs_intersect(g("arn:aws:s3:::*/*/AWSLogs/*"), g("arn:aws:s3:::example-bucket/*"))
    assert not globs_intersect(g("arn:aws:s3:::other/*"), g("arn:aws:s3:::example-bucket/*"))
    assert globs_intersect(g("a?c"), g("*b*"))
    assert glob_covers(g("arn:aws:s3:::bucket/*"), g("arn:aws:s3:::bucket/private/*"))
    assert not glob_covers(g("arn:aws:s3:::bucket/private/*"), g("arn:aws:s3:::bucket/*"))
    assert glob_covers(g("*"), g("*"))
    assert not glob_covers(g("arn:aws:s3:::specific"), g("*"))


def test_question_mark_heavy_pattern_compiles_and_matches_quickly() -> None:
    pattern = "?a" * 4000 + "*" + "a?" * 4000 + "b"
    glob = compile_glob(pattern)
    assert glob.match("a" * 30_000) is False
    assert glob.match("xa" * 4000 + "zz" + "ay" * 4000 + "b") is True
