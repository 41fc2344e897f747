"""Test harness: a fresh event loop and fresh mocks for every test (as Pulumi's SDK tests do).

Speed and scope (the README's `python -m pytest -q` stays offline and runs in parallel):
- pyproject.toml runs the suite on up to 4 pytest-xdist workers, one test file per worker
  (`--dist loadfile`), so a file's tests share their worker's renders. `-n 0` runs in-process,
  which is quicker for one file or one test.
- Whole-program runs go through tests/harness.py (`run_stack`, `run_config`): a run is cached
  per worker, keyed by the stack and its config, so every test asking for the same config
  shares one run. Never mutate a run you got from there.
- `@pytest.mark.slow`: the test takes more than a second on its own (it starts an interpreter,
  renders to disk or runs a tool). Slow tests run by default; `-m "not slow"` leaves them out
  for a quick loop while editing.
- `@pytest.mark.tool(reason)`: the test needs something the README's command cannot count on
  offline (Node.js with npm packages, a tool's own virtualenv created by a .ci/ script). It is
  skipped with that reason unless pytest is given `--run-tools`, which `.ci/run` does after it
  has installed the tools.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest

from config.errors import PROJECT
from tools.mocks import RecordingMonitor, install


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-tools",
        action="store_true",
        help="also run tests marked `tool` (need Node.js / a tool virtualenv; .ci/run sets them up)",
    )


def pytest_configure(config: pytest.Config) -> None:
    # As tools/render's CLI does: a program run allocates heavily and frees little, and the
    # default thresholds make the cyclic collector walk the SDK's classes over and over.
    gc.set_threshold(50_000, 20, 100)
    config.addinivalue_line("markers", "slow: takes more than a second on its own; deselect with -m 'not slow'")
    config.addinivalue_line(
        "markers", "tool(reason): needs a tool installed by .ci/run (Node.js, a tool virtualenv); runs with --run-tools"
    )


# The files that take longest (`--durations=0`, summed per file), longest first. Workers take
# files in collection order as they become free, so starting with these lets the short files
# fill the end and the workers finish together. A stale list costs balance, never a test.
LONGEST_FIRST = (
    "test_assistant_database.py",
    "test_database_scripts.py",
    "test_program.py",
    "test_backup_scripts.py",
    "test_exposure.py",
    "test_pod_settings.py",
    "test_day2.py",
    "test_studio_app.py",
    "test_backing.py",
    "test_version_contracts.py",
    "test_model_service.py",
    "test_rotation.py",
    "test_docs_examples.py",
    "test_policy.py",
)


def _schedule_rank(item: pytest.Item) -> int:
    name = item.path.name
    return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Stable: each file keeps its own order; pyproject.toml turns off xdist's reordering by size.
    items.sort(key=_schedule_rank)
    if config.getoption("--run-tools"):
        return
    for item in items:
        marker = item.get_closest_marker("tool")
        if marker is not None:
            why = marker.args[0] if marker.args else "needs a tool .ci/run installs"
            item.add_marker(pytest.mark.skip(reason=f"{why}; runs in .ci/run (pytest --run-tools)"))


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
