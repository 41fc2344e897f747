"""Test harness: a fresh event loop and fresh mocks for every test (as Pulumi's SDK tests do)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from config.errors import PROJECT
from tools.mocks import RecordingMonitor, install


@pytest.fixture(autouse=True)
def event_loop_per_test() -> Iterator[None]:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield
    asyncio.set_event_loop(None)
    loop.close()


@pytest.fixture
def mocks() -> RecordingMonitor:
    """Mocks for a test that builds components directly under @pulumi.runtime.test."""
    return install(PROJECT, "test")
