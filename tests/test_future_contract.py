"""A Studio release that changes the contract's shape costs a table row, not a redesign.

Studio 3.0 (RasaHQ/rasa-helm-charts branch release/studio-3.0.0, chart 3.0.0-rc, unreleased) logs
users in itself instead of through Keycloak and serves the model service under /modelservice
instead of /talk. That contract is not shipped here (docs/studio-versions.md records what is
known); a synthetic row with those two differences must render a consistent stack.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from config import versions
from tests.harness import containers, env_of, find, manifests, run_stack

SYNTHETIC = replace(
    versions.CONTRACTS[-1],
    studio="9.0.0",
    tag="9.0.0",
    chart="9.0.0-synthetic",
    commit="0000000",
    auth="studio",
    model_service_path="/modelservice",
)


@pytest.fixture
def future(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(versions, "CONTRACTS", (*versions.CONTRACTS, SYNTHETIC))
    return run_stack("dev", "studio.version='9.0.0'", "modelService.architecture=embedded")


def test_a_studio_without_keycloak_runs_no_keycloak_and_routes_no_auth(future: Any) -> None:
    assert future.outputs["contract"] == "chart 9.0.0-synthetic (Studio 9.0.0)"
    found = manifests(future)
    assert not [m for m in found if m["metadata"].get("labels", {}).get("app.kubernetes.io/component") == "keycloak"]
    routes = {m["metadata"]["name"]: m for m in found if m["kind"] == "HTTPRoute"}
    assert set(routes) == {"studio", "studio-api", "studio-talk"}
    paths = [rule["matches"][0]["path"]["value"] for rule in routes["studio-talk"]["spec"]["rules"]]
    assert paths == ["/modelservice"]
    backend = env_of(containers(find(future, "Deployment", "studio-backend"))[0])
    assert not [name for name in backend if name.startswith("KEYCLOAK_")]
    config_js = find(future, "ConfigMap", "studio-web-client-configmap")["data"]["windowVariables"]
    assert "KEYCLOAK" not in config_js
    model_service = env_of(containers(find(future, "Deployment", "rasapro"))[0])
    assert model_service["RASA_MODEL_SERVER_BASE_URL"]["value"] == "http://studio.localhost/modelservice"
    assert "KEYCLOAK_URL" not in model_service
    # No keycloak database either, and no flow to a Keycloak.
    migration = next(m for m in found if m["kind"] == "Job" and m["metadata"]["name"].startswith("studio-database-"))
    assert "KC_DB_URL" not in env_of(containers(migration)[-1])
    policies = {m["metadata"]["name"] for m in found if m["kind"] == "NetworkPolicy"}
    assert policies and not [name for name in policies if "keycloak" in name]


def test_the_same_table_without_the_row_refuses_the_version() -> None:
    with pytest.raises(versions.UnknownVersion):
        versions.contract_for("9.0.0")
