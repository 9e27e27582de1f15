"""Fixtures for the activity overlay tests: the synthetic incident and the shared datasets."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphscope.eventstore import EventStore

DATA = Path(__file__).resolve().parent / "data"
INCIDENT = DATA / "incident" / "AWSLogs"
A, B = "111122223333", "444455556666"
ATTACKER_KEY = "AKIAZZATTACKER000001"
LEGIT_KEY = "AKIAZZLEGITJOB000001"
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
SONNET = "anthropic.claude-3-sonnet-20240229-v1:0"


@pytest.fixture(scope="session")
def invictus_dir(shared_dir: Path) -> Path:
    return shared_dir / "datasets" / "cloudtrail" / "invictus-ir-aws_dataset"


@pytest.fixture(scope="session")
def panther_dir(shared_dir: Path) -> Path:
    return shared_dir / "datasets" / "panther-tests"


@pytest.fixture(scope="session")
def invictus_store(invictus_dir: Path) -> EventStore:
    store = EventStore()
    store.ingest_cloudtrail([invictus_dir])
    return store


@pytest.fixture()
def incident_store() -> EventStore:
    """The synthetic incident: CloudTrail of two accounts plus invocation logs, from one root."""
    store = EventStore()
    store.ingest_cloudtrail([INCIDENT])
    store.ingest_invocation_logs([INCIDENT])
    return store
