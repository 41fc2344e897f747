"""docs/configuration.md's configuration reference is the one the models generate."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from config.pods import PodSettings
from config.stack import StackConfig
from tools import config_reference as ref


def test_reference_is_up_to_date() -> None:
    document = ref.REFERENCE.read_text()
    assert ref.START in document and ref.END in document
    assert ref.splice(document, ref.generate()) == document, (
        "docs/configuration.md is out of date: run python -m tools.config_reference --write"
    )


def test_readme_links_the_reference() -> None:
    assert "(docs/configuration.md)" in (ref.REFERENCE.parent.parent / "README.md").read_text()


def test_check_reports_a_stale_reference(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "configuration.md"
    stale.write_text(f"# x\n{ref.START}\nold\n{ref.END}\nrest\n")
    monkeypatch.setattr(ref, "REFERENCE", stale)
    assert ref.main(["--check"]) == 1
    assert ref.main(["--write"]) == 0
    assert ref.main(["--check"]) == 0
    text = stale.read_text()
    assert text.startswith(f"# x\n{ref.START}\n") and text.endswith(f"{ref.END}\nrest\n")


def _leaf_keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Every key path a stack file can set, through models and unions (modes flattened).

    A workload's pod settings are documented in full once, under kubernetes.podDefaults.
    """
    keys: set[str] = set()
    shared = (
        set(PodSettings.model_fields) if issubclass(model, PodSettings) and prefix != f"{ref.POD_DEFAULTS}." else set()
    )
    for name, field in model.model_fields.items():
        path = f"{prefix}{field.alias or name}"
        if name in shared:
            keys.add(path)
            continue
        members = ref._union_members(field.annotation)
        child, _ = ref._model_of(field.annotation)
        if members:
            for member in members:
                keys |= _leaf_keys(member, f"{path}.")
        elif child is not None:
            keys |= _leaf_keys(child, f"{path}.")
        else:
            keys.add(path)
    return keys


def _documented(key: str, text: str) -> bool:
    group = ref._resources_of(key)
    if group is None:
        return f"`{key}`" in text
    # A requests/limits key is a row of its component with one column per key.
    return f"| `{group}` |" in text and f"`{key[len(group) + 1 :]}`" in text


def test_every_key_of_the_models_is_documented() -> None:
    text = ref.generate()
    missing = sorted(k for k in _leaf_keys(StackConfig) if not _documented(k, text) and not k.endswith(".mode"))
    assert missing == []
    assert not _documented("studio.nonexistent.resources.limits.cpu", text)
    assert not _documented("studio.nonexistentKey", text)


def test_requests_and_limits_are_one_row_per_component() -> None:
    text = ref.generate()
    assert "`studio.backend.resources.requests.cpu`" not in text
    rows = [line for line in text.splitlines() if line.startswith("| `studio.backend.resources` |")]
    assert len(rows) == 1 and rows[0].count("|") == 7


def test_environment_defaults_are_shown_per_environment() -> None:
    text = ref.generate()
    assert "| `protectData` | boolean | dev: `false`; staging: `true`; prod: `true` |" in text
    assert "`kafka.mode` (`in-cluster`, `msk`, `external`) picks the implementation; default dev: `in-cluster`" in text


def test_secrets_are_listed_with_how_to_set_them() -> None:
    text = ref.generate()
    for spec in ref.secret_specs.ALL:
        assert f"`pulumi config set --secret --stack <stack> {spec.key} {spec.example}`" in text


def test_type_names() -> None:
    from typing import Literal

    assert ref.type_name(Literal["a", "b"]) == 'one of `"a"`, `"b"`'
    assert ref.type_name(list[str] | None) == "list of string"
    assert ref.type_name(dict[str, int]) == "map of string to integer"
