"""The README's configuration reference is the one the models generate."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from config.pods import PodSettings
from config.stack import StackConfig
from tools import config_reference as ref


def test_readme_reference_is_up_to_date() -> None:
    readme = ref.README.read_text()
    assert ref.START in readme and ref.END in readme
    assert ref.splice(readme, ref.generate()) == readme, (
        "README.md's configuration reference is out of date: run python -m tools.config_reference --write"
    )


def test_check_reports_a_stale_readme(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "README.md"
    stale.write_text(f"# x\n{ref.START}\nold\n{ref.END}\nrest\n")
    monkeypatch.setattr(ref, "README", stale)
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


def test_every_key_of_the_models_is_documented() -> None:
    text = ref.generate()
    missing = sorted(k for k in _leaf_keys(StackConfig) if f"`{k}`" not in text and not k.endswith(".mode"))
    assert missing == []


def test_environment_defaults_are_shown_per_environment() -> None:
    text = ref.generate()
    assert "| `protectData` | boolean | dev: `false`; staging: `false`; prod: `true` |" in text
    assert "architecture orchestrated: `3.10.4-latest`; architecture embedded: `3.16.2-latest`" in text
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
