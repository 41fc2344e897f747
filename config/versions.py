"""The container contract of each Studio version, as Rasa's official chart shipped it.

One entry per chart release that changed the Studio image tag (RasaHQ/rasa-helm-charts,
charts/studio/values.yaml `tag`), taken at the last release that still shipped that tag, so each
entry is the contract Rasa settled on for that image. A Studio version between entries uses the
nearest earlier entry. Nothing here is a guess about Rasa's closed images: every field is what the
chart's templates render at the cited release (`studio-<chart>` tags of RasaHQ/rasa-helm-charts).
docs/studio-versions.md documents the table.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from .base import version_tuple

Architecture = Literal["orchestrated", "embedded"]
# How the migration sees SKIP_KEYCLOAK: not at all (before chart 2.0.10), only when Keycloak is
# disabled (chart 2.0.10, templates/studio/backend/database-migration-job.yaml), or always, with
# "false" as the default (chart 2.1.4 values.yaml backend.migration.environmentVariables).
SkipKeycloak = Literal["absent", "when-skipped", "always"]

# config.js feature flags (templates/studio/web-client/configmap.yaml of each release).
FLAGS_1_X = ("VERSION_CONTROL_ENABLED", "CMS_RESPONSES_ENABLED", "STUDIO_INSPECTOR_ENABLED")
FLAGS_2_0_5 = ("STUDIO_INSPECTOR_ENABLED", "ASSISTANT_STATE_MANAGEMENT_ENABLED")
FLAGS_2_1_3 = ("VOICE_INSPECTOR_ENABLED", "SILENCE_TIMEOUT_ENABLED", "EDIT_SYSTEM_RESPONSES_ENABLED")

# Keycloak's proxy settings (values.yaml keycloak.environmentVariables): KC_PROXY=edge alone until
# chart 2.1.6; chart 2.1.7 (a5d47ab) added KC_HTTP_ENABLED and KC_PROXY_HEADERS and kept KC_PROXY,
# still rendered by chart 2.6.0.
PROXY_EDGE = (("KC_PROXY", "edge"),)
PROXY_HEADERS = (("KC_HTTP_ENABLED", "true"), ("KC_PROXY", "edge"), ("KC_PROXY_HEADERS", "xforwarded"))


@dataclass(frozen=True)
class Contract:
    studio: str  # the Studio tag the chart release shipped
    chart: str  # charts/studio version (git tag studio-<chart>)
    commit: str  # RasaHQ/rasa-helm-charts commit of that release
    architecture: Architecture
    rasa_pro: str  # the Rasa Pro image tag that release shipped (model service or backend DOCKER_IMAGE_TAG)
    config_js_flags: tuple[str, ...]
    # True: backend, migration and event ingestion read DATABASE_URL from the Secret; False: the
    # DB_USER/DB_PASS/DB_HOST/DB_PORT/DB_NAME/DB_QUERY block (chart 2.2.0, templates/studio/_env.tpl).
    database_url: bool
    # POSTGRES_* of the migration Job (charts 1.x with POSTGRES_DATABASE; removed in 2.0.2).
    migration_postgres: tuple[str, ...]
    skip_keycloak: SkipKeycloak
    # KC_DEFAULT_DATABASE_CONNECTION_NAME=postgres on the migration (chart 2.2.0).
    default_database_connection: bool
    keycloak_proxy: tuple[tuple[str, str], ...]
    # Backend KEYCLOAK_CLIENT_ID (chart 2.1.9, templates/studio/_env.tpl).
    backend_client_id: bool
    # Backend MS_API_URL: `http://rasapro.<ns>:80` in charts 2.0.0-2.0.2, `http://rasapro` from
    # 2.0.3 (templates/studio/backend/deployment.yaml); None for the orchestrated services.
    ms_api_url_with_namespace: bool

    @property
    def key(self) -> tuple[int, int, int]:
        return version_tuple(self.studio)

    @property
    def label(self) -> str:
        return f"chart {self.chart} (Studio {self.studio})"


# Each entry is the previous one with what its chart release changed.
_1_7_0 = Contract(
    studio="1.7.0",
    chart="1.2.6",  # the last 1.x; MTS/MRS 3.3.3-latest
    commit="f7ef5c9",
    architecture="orchestrated",
    rasa_pro="3.10.4-latest",  # backend DOCKER_IMAGE_TAG
    config_js_flags=FLAGS_1_X,
    database_url=True,
    migration_postgres=(
        "POSTGRES_HOST",
        "POSTGRES_PORT",
        "POSTGRES_DATABASE",
        "POSTGRES_USERNAME",
        "POSTGRES_PASSWORD",
    ),
    skip_keycloak="absent",
    default_database_connection=False,
    keycloak_proxy=PROXY_EDGE,
    backend_client_id=False,
    ms_api_url_with_namespace=False,
)
# Charts 2.0.0-2.0.2 shipped 1.10.0: the embedded model service (2.0.0, e55cc2f); 2.0.2 (9b56a39)
# removed the migration's POSTGRES_*.
_1_10_0 = replace(
    _1_7_0,
    studio="1.10.0",
    chart="2.0.2",
    commit="9b56a39",
    architecture="embedded",
    rasa_pro="3.11.1",
    migration_postgres=(),
    ms_api_url_with_namespace=True,
)
# Chart 2.0.3: MS_API_URL=http://rasapro.
_1_10_1 = replace(_1_10_0, studio="1.10.1", chart="2.0.3", commit="0d79c29", ms_api_url_with_namespace=False)
# Chart 2.0.5 (8e22f52) changed the config.js flags; 2.0.6 was the last with 1.11.0.
_1_11_0 = replace(
    _1_10_1, studio="1.11.0", chart="2.0.6", commit="ce9c6c3", rasa_pro="3.11.3", config_js_flags=FLAGS_2_0_5
)
# Chart 2.0.8 (55ccfee) dropped the flags, 2.0.10 (10234a2) added SKIP_KEYCLOAK.
_1_12_0 = replace(
    _1_11_0,
    studio="1.12.0",
    chart="2.0.12",
    commit="6f14887",
    rasa_pro="3.12.5",
    config_js_flags=(),
    skip_keycloak="when-skipped",
)
# Charts 2.0.13-2.1.5: the flags of 2.1.3 (8045229), the SKIP_KEYCLOAK default of 2.1.4 (7fa0002).
_1_12_2 = replace(
    _1_12_0,
    studio="1.12.2",
    chart="2.1.5",
    commit="cf392a3",
    rasa_pro="3.12.6-latest",
    config_js_flags=FLAGS_2_1_3,
    skip_keycloak="always",
)
# Charts 2.1.6-2.1.8: Keycloak's proxy headers (2.1.7, a5d47ab).
_1_13_0 = replace(
    _1_12_2, studio="1.13.0", chart="2.1.8", commit="857a574", rasa_pro="3.13.2-latest", keycloak_proxy=PROXY_HEADERS
)
# Chart 2.2.0: DB_* replaces DATABASE_URL; the backend's KEYCLOAK_CLIENT_ID came with 2.1.9 (bd6c4ad,
# which shipped 1.14.0.edge2-latest).
_1_14_0 = replace(
    _1_13_0,
    studio="1.14.0",
    chart="2.2.0",
    commit="d3bab1a",
    rasa_pro="3.14.1-latest",
    database_url=False,
    default_database_connection=True,
    backend_client_id=True,
)
# Later releases changed no container contract, only the tags.
_1_14_1 = replace(_1_14_0, studio="1.14.1", chart="2.2.2", commit="8b1b5d0", rasa_pro="3.13.13-latest")
_1_15_1 = replace(_1_14_1, studio="1.15.1", chart="2.4.1", commit="cdd7640")
_1_16_0 = replace(_1_15_1, studio="1.16.0", chart="2.5.0", commit="0c7135c", rasa_pro="3.16.2-latest")
_1_17_0 = replace(_1_16_0, studio="1.17.0", chart="2.6.0", commit="9950890")

CONTRACTS: tuple[Contract, ...] = (
    _1_7_0, _1_10_0, _1_10_1, _1_11_0, _1_12_0, _1_12_2, _1_13_0, _1_14_0, _1_14_1, _1_15_1, _1_16_0, _1_17_0,
)  # fmt: skip

OLDEST = CONTRACTS[0]


class UnknownVersion(ValueError):
    pass


def contract_for(studio_version: str) -> Contract:
    """The contract of the nearest chart release at or before `studio_version`."""
    wanted = version_tuple(studio_version)
    chosen = [c for c in CONTRACTS if c.key <= wanted]
    if not chosen:
        raise UnknownVersion(
            f"no chart contract is known before Studio {OLDEST.studio} ({OLDEST.label}); use {OLDEST.studio} or later"
        )
    return chosen[-1]
