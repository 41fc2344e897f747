"""The stack-file examples of the docs are valid config and render to valid Kubernetes objects."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.defaults import merge
from tests import crd_schema
from tests.harness import find, manifests, run_config, stack_input
from tools import schema

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = ("pod-settings.md", "external-services.md")
SECRETS = {
    "rasaProLicense": "x",
    "registryPassword": "x",
    "keycloakAdminPassword": "x",
    "keycloakApiPassword": "x",
}


def examples(page: str) -> list[dict[str, Any]]:
    blocks = re.findall(r"```yaml\n(.*?)```", (DOCS / page).read_text(), flags=re.S)
    return [yaml.safe_load(b) for b in blocks]


CASES = [(page, i, example) for page in PAGES for i, example in enumerate(examples(page))]


def test_the_pages_have_examples() -> None:
    assert len(examples("pod-settings.md")) == 1 and len(examples("external-services.md")) == 4


@pytest.mark.parametrize(("page", "index", "example"), CASES, ids=[f"{c[0]}#{c[1]}" for c in CASES])
def test_example_renders_to_valid_manifests(page: str, index: int, example: dict[str, Any]) -> None:
    plain = copy.deepcopy(stack_input("dev").plain)
    for full_key, value in example["config"].items():
        key = full_key.removeprefix("rasa-studio:")
        if key == "studio" and "external" in (value.get("keycloak") or {}):
            # An external Keycloak has no pods: the stack file's settings of the in-cluster one go.
            plain["studio"].pop("keycloak", None)
        plain[key] = merge(plain.get(key, {}), value)
    run = run_config("dev", plain, SECRETS)
    version = plain["kubernetes"].get("version", "1.30")
    # Gateway API objects (the dev stack's exposure) are checked against their CRDs' schemas.
    assert [
        e
        for m in manifests(run)
        for e in (crd_schema.errors(m) if crd_schema.handles(m) else schema.errors(m, version))
    ] == []


def test_the_pod_settings_example_lands_where_documented() -> None:
    (example,) = examples("pod-settings.md")
    plain = copy.deepcopy(stack_input("dev").plain)
    for full_key, value in example["config"].items():
        key = full_key.removeprefix("rasa-studio:")
        plain[key] = merge(plain.get(key, {}), value)
    run = run_config("dev", plain, SECRETS)
    backend = find(run, "Deployment", "studio-backend")["spec"]["template"]["spec"]
    web = find(run, "Deployment", "studio-web-client")["spec"]["template"]["spec"]
    # As the page says: maps merge, lists are replaced.
    assert backend["nodeSelector"] == {"node-pool": "studio", "disk": "ssd"}
    assert backend["tolerations"] == [{"key": "studio", "operator": "Exists", "effect": "NoSchedule"}]
    assert web["nodeSelector"] == {"node-pool": "studio"}
    assert web["tolerations"][0]["value"] == "studio"
