"""A moto server on loopback, and a Stubber that stubs only the operations moto lacks."""

from __future__ import annotations

import logging
import os
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from botocore.stub import Stubber

logging.getLogger("werkzeug").setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def moto_endpoint(start_moto: Callable[[], str]) -> str:
    return start_moto()


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, fake_aws_env: dict[str, str]) -> str:
    """Fake credentials, every boto3 client pointed at the moto server, and a fresh backend."""
    for k in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    for k, v in fake_aws_env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    req = urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(req).read()
    return moto_endpoint


class PartialStubber(Stubber):
    """botocore's Stubber, active only for the named operations; other calls reach moto.

    Responses are validated against the service model's output shape, as Stubber does.
    """

    def __init__(self, client: Any, operations: set[str]) -> None:
        super().__init__(client)
        self.operations = operations

    def activate(self) -> None:
        sid = self.client.meta.service_model.service_id.hyphenize()
        for op in self.operations:
            self.client.meta.events.register_first(
                f"before-parameter-build.{sid}.{op}",
                self._assert_expected_params,
                unique_id=f"{self._expected_params_event_id}-{op}",
            )
            self.client.meta.events.register(
                f"before-call.{sid}.{op}",
                self._get_response_handler,
                unique_id=f"{self._event_id}-{op}",
            )
