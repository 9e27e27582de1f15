"""Queries over a GraphStore: potential reach, observed activity, coverage, scoping."""
