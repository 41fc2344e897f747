"""docs/migrating-from-helm.md maps every value of the chart to a stack key that exists."""

from __future__ import annotations

import fnmatch
import itertools
import re
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from config import secrets as secret_specs
from config.stack import StackConfig
from tools import config_reference as ref

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "migrating-from-helm.md"
CHART_VALUES = Path(__file__).resolve().parent / "data" / "studio-chart-2.6.0-values.txt"
SECTION = "## Values to stack keys"


def expand(pattern: str) -> list[str]:
    """`a.{b,c}.d` -> ['a.b.d', 'a.c.d']."""
    parts = re.split(r"\{([^}]*)\}", pattern)
    choices = [[p] if i % 2 == 0 else p.split(",") for i, p in enumerate(parts)]
    return ["".join(c) for c in itertools.product(*choices)]


def _cells(text: str) -> list[str]:
    return [p for cell in re.findall(r"`([^`]+)`", text) for p in expand(cell)]


def mapping(doc: str) -> list[tuple[list[str], list[str]]]:
    """(chart values, stack keys) of each row of the mapping table."""
    section = doc.split(SECTION, 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        chart, stack = line.split(" | ")[:2]
        rows.append((_cells(chart), [] if stack.strip() == "—" else _cells(stack)))
    return rows


def _children(annotation: object) -> list[type[BaseModel]]:
    annotation, _ = ref._unannotated(ref._strip_none(annotation)[0])
    if typing.get_origin(annotation) is list:
        annotation = typing.get_args(annotation)[0]
    members = ref._union_members(annotation)
    if members:
        return members
    annotation, _ = ref._unannotated(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return []


def key_exists(key: str) -> bool:
    """Whether `key` names a field of the stack config (through unions and lists) or a secret."""
    if key in secret_specs.KEYS:
        return True
    models: list[type[BaseModel]] = [StackConfig]
    for part in key.removesuffix("[]").split("."):
        fields = [f for m in models for n, f in m.model_fields.items() if (f.alias or n) == part.removesuffix("[]")]
        if not fields:
            return False
        models = [c for f in fields for c in _children(f.annotation)]
    return True


def test_expand() -> None:
    assert expand("a.{b,c}.d") == ["a.b.d", "a.c.d"]
    assert expand("x") == ["x"]


def test_key_exists_can_fail() -> None:
    assert key_exists("studio.backend.nodeSelector")
    assert key_exists("kafka.brokers")  # a member of the kafka union
    assert key_exists("objectStorage.azureAccountKey")
    assert key_exists("databasePassword")
    assert not key_exists("studio.backend.nodeSelectors")
    assert not key_exists("kafka.nope")
    assert not key_exists("studio.ingress.className")


def test_every_stack_key_in_the_mapping_exists() -> None:
    rows = mapping(DOC.read_text())
    assert len(rows) > 50
    missing = sorted({key for _, keys in rows for key in keys if not key_exists(key)})
    assert missing == [], f"docs/migrating-from-helm.md names keys the config model does not have: {missing}"


def test_every_chart_value_is_mapped() -> None:
    patterns = [p for chart, _ in mapping(DOC.read_text()) for p in chart]
    values = [v for v in CHART_VALUES.read_text().splitlines() if v and not v.startswith("#")]
    assert len(values) == 292
    unmapped = [v for v in values if not any(fnmatch.fnmatchcase(v, p) or v == p for p in patterns)]
    assert unmapped == [], f"chart values with no row in docs/migrating-from-helm.md: {unmapped}"


def test_a_row_for_a_value_the_chart_does_not_have_is_caught() -> None:
    values = {v for v in CHART_VALUES.read_text().splitlines() if v and not v.startswith("#")}
    patterns = [p for chart, _ in mapping(DOC.read_text()) for p in chart]
    stale = [p for p in patterns if not any(fnmatch.fnmatchcase(v, p) for v in values)]
    assert stale == [], f"rows for values the chart does not have: {stale}"


@pytest.mark.parametrize("row", ["| `x.y` | `studio.nope` | |"])
def test_a_wrong_key_fails_the_check(row: str) -> None:
    ((_, keys),) = mapping(f"{SECTION}\n\n{row}\n")
    assert keys == ["studio.nope"] and not key_exists(keys[0])
