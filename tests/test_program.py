"""The whole program, run for every stack file as `pulumi up` would run it."""

from __future__ import annotations

import filecmp
import itertools
import re
from pathlib import Path

import pytest

from tests import crd_schema
from tests.harness import STACKS, manifests, run_stack
from tools import schema
from tools.render import render

COMPONENT_LABEL = "app.kubernetes.io/component"


def _documented_components() -> set[str]:
    """The label contract as docs/components.md states it to users: the first column of its table."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "components.md").read_text()
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| Component (label"))
    rows = list(itertools.takewhile(lambda line: line.startswith("|"), lines[start + 2 :]))
    return {name for row in rows for name in re.findall(r"`([a-z-]+)`", row.split("|")[1])}


CONTRACT_COMPONENTS = _documented_components()


@pytest.mark.parametrize("stack", STACKS)
def test_no_two_resources_share_a_urn(stack: str) -> None:
    # The mock engine accepts duplicates the real engine refuses.
    urns = [r.urn for r in run_stack(stack).registrations]
    assert len(urns) == len(set(urns))


@pytest.mark.parametrize("stack", STACKS)
def test_every_resource_uses_an_explicit_provider(stack: str) -> None:
    # Default providers are disabled in the stack files; under mocks nothing enforces that.
    custom = [r for r in run_stack(stack).registrations if r.custom and not r.type.startswith("pulumi:providers:")]
    assert custom
    assert [r.urn for r in custom if not r.provider] == []


@pytest.mark.parametrize("stack", STACKS)
def test_every_child_has_a_parent_component(stack: str) -> None:
    run = run_stack(stack)
    top = [r for r in run.registrations if r.parent.endswith("pulumi:pulumi:Stack::rasa-studio-" + stack)]
    assert {r.type for r in top} <= {
        "rasa-studio:index:RasaStudio",
        "pulumi:providers:kubernetes",
        "pulumi:providers:aws",
        "pulumi:providers:random",
    }


def namespace_wide(obj: dict) -> bool:
    # Policies for every pod, and a Gateway in front of every Studio path.
    return (obj["kind"] == "NetworkPolicy" and not obj["spec"]["podSelector"]) or obj["kind"] == "Gateway"


@pytest.mark.parametrize("stack", STACKS)
def test_every_kubernetes_object_carries_the_label_contract(stack: str) -> None:
    for obj in manifests(run_stack(stack)):
        labels = obj["metadata"].get("labels", {})
        assert labels.get("app.kubernetes.io/part-of") == "rasa-studio", obj["metadata"]
        assert labels.get("app.kubernetes.io/managed-by") == "pulumi", obj["metadata"]
        # Namespace-wide objects (the namespace, policies for all its pods) belong to no component.
        if obj["kind"] != "Namespace" and not namespace_wide(obj):
            assert labels.get(COMPONENT_LABEL) in CONTRACT_COMPONENTS, obj["metadata"]


@pytest.mark.parametrize("version", ["1.30", schema.latest_version()])
@pytest.mark.parametrize("stack", STACKS)
def test_manifests_pass_strict_schema_validation(stack: str, version: str) -> None:
    # Gateway API objects are checked against their CRDs' schemas, which kubernetes-validate lacks.
    problems = [
        e
        for obj in manifests(run_stack(stack))
        for e in (crd_schema.errors(obj) if crd_schema.handles(obj) else schema.errors(obj, version))
    ]
    assert problems == []


def test_schema_check_catches_an_unknown_field() -> None:
    bad = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {}, "dta": {}}
    assert any("dta" in e for e in schema.errors(bad, "1.30"))


def _assert_same_render(a: Path, b: Path) -> None:
    comparison = filecmp.dircmp(a / "manifests", b / "manifests")
    assert not comparison.diff_files and not comparison.left_only and not comparison.right_only
    assert filecmp.cmp(a / "resources.json", b / "resources.json", shallow=False)
    names = sorted(p.name for p in (a / "manifests").iterdir())
    assert names and all(filecmp.cmp(a / "manifests" / n, b / "manifests" / n, shallow=False) for n in names)


# dev's determinism is checked across interpreters below, which this check also covers.
@pytest.mark.slow
@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_render_is_deterministic_byte_for_byte(stack: str, tmp_path: Path) -> None:
    assert render([stack, "--out", str(tmp_path / "a")]) == 0
    assert render([stack, "--out", str(tmp_path / "b")]) == 0
    comparison = filecmp.dircmp(tmp_path / "a", tmp_path / "b")
    assert not comparison.diff_files and not comparison.left_only and not comparison.right_only
    _assert_same_render(tmp_path / "a", tmp_path / "b")


def test_bad_override_exits_2_names_the_key_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert render(["dev", "--out", str(out), "--set", "modelService.assistants=0"]) == 2
    err = capsys.readouterr().err
    assert "rasa-studio:modelService.assistants: must be >= 1" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_missing_stack_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert render(["nope", "--out", str(tmp_path / "x")]) == 2
    assert "no such stack file" in capsys.readouterr().err


def test_set_parses_yaml_scalars_and_config_file_is_read(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.custom.yaml"
    stack_file.write_text(
        "config:\n  rasa-studio:environment: dev\n  rasa-studio:studio:\n    host: studio.example.org\n    version: '1.7.0'\n"
        "  rasa-studio:rasaProLicense:\n    secure: v1:AAAA\n"
    )
    out = tmp_path / "out"
    assert render(["custom", "--config", str(stack_file), "--out", str(out), "--set", "studio.tls.enabled=false"]) == 0
    text = "".join(p.read_text() for p in (out / "manifests").iterdir()) + (out / "resources.json").read_text()
    assert "v1:AAAA" not in text


_FRESH_RENDER = """
import sys
from tools.render import render
code = render(["dev", "--out", sys.argv[1]])
assert "tools.mocks" in sys.modules
print("pulumi_aws" in sys.modules)
sys.exit(code)
"""


@pytest.fixture(scope="module")
def dev_renders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """dev rendered here, after whatever this worker ran before, and in a fresh interpreter with
    another hash seed: (here, fresh, the fresh interpreter's stdout)."""
    import os
    import subprocess
    import sys

    from tools.program import ROOT

    base = tmp_path_factory.mktemp("renders")
    assert render(["dev", "--out", str(base / "here")]) == 0
    # This interpreter's seed is random unless PYTHONHASHSEED fixes it; pick one it is not.
    seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"
    done = subprocess.run(
        [sys.executable, "-c", _FRESH_RENDER, str(base / "fresh")],
        cwd=ROOT,
        env={**os.environ, "PYTHONHASHSEED": seed},
        check=True,
        capture_output=True,
        text=True,
    )
    return base / "here", base / "fresh", done.stdout


@pytest.mark.slow
def test_render_is_identical_across_interpreters_with_different_hash_seeds(
    dev_renders: tuple[Path, Path, str],
) -> None:
    # In one process set and dict orders repeat themselves; across processes they need not. The
    # render here also comes after other runs in this process, so state one run left behind
    # would show as a difference too.
    here, fresh, _ = dev_renders
    _assert_same_render(here, fresh)


@pytest.mark.slow
def test_dev_render_never_imports_pulumi_aws(dev_renders: tuple[Path, Path, str]) -> None:
    # A fresh interpreter: in this one, other tests have imported pulumi_aws long ago.
    assert dev_renders[2].strip().splitlines()[-1] == "False"
