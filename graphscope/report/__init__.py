"""Incident reports: Markdown and self-contained HTML renderings of the scope report."""
