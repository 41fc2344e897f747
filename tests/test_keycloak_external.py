"""`studio.keycloak.external.url`: no Keycloak here; every client pointed at the given one."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.network_flows import OUTSIDE, flows
from config import ConfigError, validate
from tests.harness import containers, env_of, find, manifests, run_config, stack_input

URL = "https://sso.example.com/auth"
KEYCLOAK_SECRETS = {"keycloakAdminPassword": "admin-pw", "keycloakApiPassword": "api-pw"}


def _run(keycloak: dict[str, Any], *, embedded: bool = False, secrets: dict[str, str] | None = None) -> Any:
    given = stack_input("dev")
    plain = copy.deepcopy(given.plain)
    plain["studio"]["keycloak"] = keycloak
    if embedded:
        plain["studio"]["version"] = "1.17.0-latest"
        plain["modelService"]["architecture"] = "embedded"
    return run_config(
        "dev",
        plain,
        {"rasaProLicense": "x", "registryPassword": "x", **(KEYCLOAK_SECRETS if secrets is None else secrets)},
    )


def _by_prefix(run: Any, kind: str, prefix: str) -> dict[str, Any]:
    (found,) = [m for m in manifests(run) if m["kind"] == kind and m["metadata"]["name"].startswith(prefix)]
    return found


def test_no_keycloak_pods_service_or_database() -> None:
    run = _run({"external": {"url": URL}}, embedded=True)
    names = {(m["kind"], m["metadata"]["name"]) for m in manifests(run)}
    assert not [n for n in names if "keycloak" in n[1]], names
    # The databases the init Job creates: studio (and modelservice), never keycloak.
    script = " ".join(containers(_by_prefix(run, "Job", "database-init-"))[0]["command"])
    assert "keycloak" not in script and "studio" in script
    migration = env_of(containers(_by_prefix(run, "Job", "studio-database-migration-"))[-1])
    assert migration["SKIP_KEYCLOAK"]["value"] == "true"
    assert not [n for n in migration if n.startswith("KC_DB_")]


def test_every_client_points_at_the_external_keycloak_with_the_chosen_ids() -> None:
    ids = {"realm": "corp", "clientId": "studio-app", "apiClientId": "studio-admin", "apiUsername": "studio-api"}
    run = _run({"external": {"url": URL + "/"}, **ids}, embedded=True)
    backend = env_of(containers(find(run, "Deployment", "studio-backend"))[0])
    assert backend["KEYCLOAK_URL"]["value"] == URL
    assert backend["KEYCLOAK_REALM"]["value"] == "corp"
    assert backend["KEYCLOAK_CLIENT_ID"]["value"] == "studio-app"
    assert backend["KEYCLOAK_API_CLIENT_ID"]["value"] == "studio-admin"
    assert backend["KEYCLOAK_API_USERNAME"]["value"] == "studio-api"
    model_service = env_of(containers(find(run, "Deployment", "rasapro"))[0])
    assert model_service["KEYCLOAK_URL"]["value"] == URL and model_service["KEYCLOAK_REALM"]["value"] == "corp"
    config_js = next(iter(find(run, "ConfigMap", "studio-web-client-configmap")["data"].values()))
    assert f'window.KEYCLOAK_URL = "{URL}";' in config_js
    assert 'window.KEYCLOAK_REALM = "corp";' in config_js
    assert 'window.KEYCLOAK_CLIENT_ID = "studio-app";' in config_js


def test_ids_apply_to_the_in_cluster_keycloak_too() -> None:
    run = _run({"realm": "corp"}, secrets={})
    assert find(run, "Deployment", "studio-keycloak")
    backend = env_of(containers(find(run, "Deployment", "studio-backend"))[0])
    assert backend["KEYCLOAK_URL"]["value"] == "http://studio-keycloak/auth"
    assert backend["KEYCLOAK_REALM"]["value"] == "corp"


def test_flows_go_out_of_the_cluster_at_the_urls_port() -> None:
    raw = {
        "environment": "dev",
        "studio": {
            "host": "studio.example.com",
            "version": "1.17.0-latest",
            "keycloak": {"external": {"url": "http://keycloak.corp.example:8443/auth"}},
        },
        "modelService": {"architecture": "embedded"},
    }
    config, problems = validate(raw)
    assert config is not None, problems
    found = {(f.source, f.destination, f.port) for f in flows(config)}
    assert ("backend", OUTSIDE, 8443) in found and ("model-service", OUTSIDE, 8443) in found
    assert not [f for f in found if "keycloak" in (f[0], f[1])]


def test_the_passwords_of_an_external_keycloak_are_required() -> None:
    with pytest.raises(ConfigError) as info:
        _run({"external": {"url": URL}}, embedded=True, secrets={})
    keys = {p.split(":")[1] for p in info.value.problems}
    assert {"keycloakAdminPassword", "keycloakApiPassword"} <= keys, info.value.problems


def test_an_external_keycloak_needs_a_studio_whose_chart_allows_it() -> None:
    # Chart 1.2.6 (Studio 1.7.0) always runs Keycloak; keycloak.enabled arrived in chart 2.0.9.
    _, problems = validate(
        {
            "environment": "dev",
            "studio": {"host": "s.example.com", "version": "1.7.0", "keycloak": {"external": {"url": URL}}},
        }
    )
    assert any(p.startswith("rasa-studio:studio.keycloak.external: Studio 1.7.0") for p in problems), problems


@pytest.mark.parametrize(
    ("keycloak", "key"),
    [
        ({"external": {"url": "sso.example.com/auth"}}, "studio.keycloak.external.url"),
        ({"external": {"url": "https://sso.example.com/auth?x=1"}}, "studio.keycloak.external.url"),
        ({"external": {}}, "studio.keycloak.external.url"),
        ({"realm": "has space"}, "studio.keycloak.realm"),
        ({"clientId": ""}, "studio.keycloak.clientId"),
    ],
)
def test_bad_keycloak_settings_are_refused_by_key(keycloak: dict[str, Any], key: str) -> None:
    config, problems = validate(
        {"environment": "dev", "studio": {"host": "studio.example.com", "version": "1.7.0", "keycloak": keycloak}}
    )
    assert config is None and any(p.startswith(f"rasa-studio:{key}: ") for p in problems), problems
