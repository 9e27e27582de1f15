"""graphscope: scope a leaked AWS key across the org, compute, AI applications and data."""

__version__ = "0.1.0"
