"""Server settings: the token and the bounds that keep one request from hurting the others."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, SecretStr

TOKEN_ENV = "GRAPHSCOPE_API_TOKEN"
LOOPBACK = "127.0.0.1"


class ConfigError(ValueError):
    """The server cannot start safely with these settings."""


class ApiSettings(BaseModel):
    """Limits are per request; defaults suit one responder's laptop or a small shared box."""

    model_config = ConfigDict(frozen=True)

    token: SecretStr | None = None
    insecure_local: bool = False  # no auth, loopback only
    max_body_bytes: int = 16 * 1024
    max_results: int = 1000  # principals, paths or graph items in one response
    max_path_depth: int = 8  # hops; the reach engine itself stops at 8
    time_budget_s: float = 30.0  # a synchronous request answers or fails within this
    sync_wait_s: float = 2.0  # POST /v1/scope waits this long before answering 202 + job URL
    max_pending: int = 64  # queued queries before the server answers 503
    max_jobs: int = 256  # cached scope results (least recently used are dropped)
    query_cache_entries: int = 1024  # cached who-can / path / reach answers (0 = off)

    def check(self) -> None:
        if self.token is None and not self.insecure_local:
            raise ConfigError(
                f"no API token: set {TOKEN_ENV} or pass --token-file "
                "(or --insecure-local to serve without auth on 127.0.0.1 only)"
            )
        if self.token is not None and len(self.token.get_secret_value()) < 16:
            raise ConfigError("the API token must be at least 16 characters")


def read_token(token_file: Path | None) -> SecretStr | None:
    """The token from --token-file (first line, stripped) or else the environment."""
    if token_file is not None:
        try:
            text = token_file.read_text(encoding="utf-8").strip().splitlines()
        except OSError as e:
            raise ConfigError(f"{token_file}: cannot read the token file ({e.strerror})") from None
        if not text or not text[0].strip():
            raise ConfigError(f"{token_file}: the token file is empty")
        return SecretStr(text[0].strip())
    value = os.environ.get(TOKEN_ENV, "").strip()
    return SecretStr(value) if value else None
