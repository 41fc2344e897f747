"""The container contract of each Studio version, as Rasa's official chart shipped it.

One entry per chart release that changed the Studio image tag (RasaHQ/rasa-helm-charts,
charts/studio/values.yaml `tag`), taken at the last release that still shipped that tag, so each
entry is the contract Rasa settled on for that image. Nothing here is a guess about Rasa's closed
images: every field is what the chart's templates render at the cited release (`studio-<chart>`
tags of RasaHQ/rasa-helm-charts). docs/studio-versions.md documents the table.

Which tags are accepted (contract_for): a tag an entry shipped, or a release of a minor the table
knows (`1.15.2`, `1.15.2-latest`: the nearest earlier release entry). Pre-release tags get the entry
of the chart release that shipped them and nothing else; any other tag is refused with the closest
known ones, so a typo never silently renders an image that does not exist.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from typing import Literal

from .base import version_tuple

Architecture = Literal["orchestrated", "embedded"]
# Who logs users in: Keycloak (every chart release to 2.6.0), or Studio itself (the unreleased
# chart 3.0.0-rc, RasaHQ/rasa-helm-charts branch release/studio-3.0.0: Better Auth, AUTH_SECRET).
Auth = Literal["keycloak", "studio"]
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
    studio: str  # the Studio version the chart release shipped (X.Y.Z, or the pre-release tag)
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
    # The image tag exactly as the chart's values.yaml has it (`1.17.0-latest`); defaults to `studio`.
    tag: str = ""
    auth: Auth = "keycloak"
    # The path browsers reach the model service (try your assistant) under: `/talk` up to chart
    # 2.6.0 (ingress of the rasa subchart; the orchestrated nginx proxy), `/modelservice` in 3.0.0-rc.
    model_service_path: str = "/talk"

    @property
    def key(self) -> tuple[int, int, int]:
        return version_tuple(self.studio)

    @property
    def prerelease(self) -> bool:
        return _RELEASE.match(self.studio) is None

    @property
    def tags(self) -> tuple[str, ...]:
        """The tags that name exactly this entry's image."""
        return tuple(dict.fromkeys((self.studio, self.tag or self.studio)))

    @property
    def label(self) -> str:
        return f"chart {self.chart} (Studio {self.studio})"


# Each entry is the previous one with what its chart release changed.
_1_7_0 = Contract(
    studio="1.7.0",
    tag="1.7.0",  # chart 1.2.0 (7497370) shipped it as 1.7.0-latest, a release tag of the same version
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
    tag="1.10.0",
    chart="2.0.2",
    commit="9b56a39",
    architecture="embedded",
    rasa_pro="3.11.1",
    migration_postgres=(),
    ms_api_url_with_namespace=True,
)
# Chart 2.0.3: MS_API_URL=http://rasapro.
_1_10_1 = replace(
    _1_10_0, studio="1.10.1", tag="1.10.1", chart="2.0.3", commit="0d79c29", ms_api_url_with_namespace=False
)
# Chart 2.0.5 (8e22f52) changed the config.js flags; 2.0.6 was the last with 1.11.0.
_1_11_0 = replace(
    _1_10_1,
    studio="1.11.0",
    tag="1.11.0",
    chart="2.0.6",
    commit="ce9c6c3",
    rasa_pro="3.11.3",
    config_js_flags=FLAGS_2_0_5,
)
# Charts 2.0.7-2.0.11 shipped the pre-release 1.12.0.dev2 with Rasa Pro 3.12.0.dev7: the flags went
# in 2.0.8 (55ccfee), SKIP_KEYCLOAK came in 2.0.10 (10234a2); 2.0.11 (28ce6af) is the last.
_1_12_0_dev2 = replace(
    _1_11_0,
    studio="1.12.0.dev2",
    tag="1.12.0.dev2",
    chart="2.0.11",
    commit="28ce6af",
    rasa_pro="3.12.0.dev7",
    config_js_flags=(),
    skip_keycloak="when-skipped",
)
# Chart 2.0.12: the release 1.12.0 on the same contract.
_1_12_0 = replace(_1_12_0_dev2, studio="1.12.0", tag="1.12.0", chart="2.0.12", commit="6f14887", rasa_pro="3.12.5")
# Charts 2.0.13-2.1.5: the flags of 2.1.3 (8045229), the SKIP_KEYCLOAK default of 2.1.4 (7fa0002).
_1_12_2 = replace(
    _1_12_0,
    studio="1.12.2",
    tag="1.12.2",
    chart="2.1.5",
    commit="cf392a3",
    rasa_pro="3.12.6-latest",
    config_js_flags=FLAGS_2_1_3,
    skip_keycloak="always",
)
# Charts 2.1.6-2.1.8: Keycloak's proxy headers (2.1.7, a5d47ab).
_1_13_0 = replace(
    _1_12_2,
    studio="1.13.0",
    tag="1.13.0",
    chart="2.1.8",
    commit="857a574",
    rasa_pro="3.13.2-latest",
    keycloak_proxy=PROXY_HEADERS,
)
# Chart 2.1.9 (bd6c4ad) shipped the pre-release 1.14.0.edge2-latest, still with DATABASE_URL, and
# gave the backend KEYCLOAK_CLIENT_ID (templates/studio/_env.tpl).
_1_14_0_edge2 = replace(
    _1_13_0,
    studio="1.14.0.edge2-latest",
    tag="1.14.0.edge2-latest",
    chart="2.1.9",
    commit="bd6c4ad",
    rasa_pro="3.13.7-latest",
    backend_client_id=True,
)
# Chart 2.2.0: DB_* replaces DATABASE_URL.
_1_14_0 = replace(
    _1_14_0_edge2,
    studio="1.14.0",
    tag="1.14.0-latest",
    chart="2.2.0",
    commit="d3bab1a",
    rasa_pro="3.14.1-latest",
    database_url=False,
    default_database_connection=True,
)
# Later releases changed no container contract, only the tags. Chart 2.2.1 paired 1.14.1 with an
# older Rasa Pro (3.13.13-latest) than 2.2.0 paired 1.14.0 with (3.14.1-latest).
_1_14_1 = replace(
    _1_14_0, studio="1.14.1", tag="1.14.1-latest", chart="2.2.2", commit="8b1b5d0", rasa_pro="3.13.13-latest"
)
_1_15_1 = replace(_1_14_1, studio="1.15.1", tag="1.15.1-latest", chart="2.4.1", commit="cdd7640")
_1_16_0 = replace(
    _1_15_1, studio="1.16.0", tag="1.16.0-latest", chart="2.5.0", commit="0c7135c", rasa_pro="3.16.2-latest"
)
_1_17_0 = replace(_1_16_0, studio="1.17.0", tag="1.17.0-latest", chart="2.6.0", commit="9950890")

CONTRACTS: tuple[Contract, ...] = (
    _1_7_0, _1_10_0, _1_10_1, _1_11_0, _1_12_0_dev2, _1_12_0, _1_12_2, _1_13_0, _1_14_0_edge2, _1_14_0, _1_14_1,
    _1_15_1, _1_16_0, _1_17_0,
)  # fmt: skip

OLDEST = CONTRACTS[0]

# A Studio release tag: X.Y.Z, or X.Y.Z-latest as Rasa's chart tags them from 1.14.0 on.
_RELEASE = re.compile(r"^(\d+)\.(\d+)\.(\d+)(-latest)?$")


class UnknownVersion(ValueError):
    pass


def known_tags(contracts: tuple[Contract, ...] | None = None) -> tuple[str, ...]:
    """Every tag an entry names exactly, oldest first."""
    return tuple(tag for c in (contracts or CONTRACTS) for tag in c.tags)


def known_minors(contracts: tuple[Contract, ...] | None = None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f"{c.key[0]}.{c.key[1]}" for c in (contracts or CONTRACTS) if not c.prerelease))


def contract_for(studio_version: str, contracts: tuple[Contract, ...] | None = None) -> Contract:
    """The entry of `studio_version`: its own, or for another release of a known minor the nearest
    earlier release entry. Anything else raises UnknownVersion naming the closest known tags."""
    # Read at call time, so that a new row (or a test's synthetic one) is all it takes.
    contracts = contracts or CONTRACTS
    for contract in contracts:
        if studio_version in contract.tags:
            return contract
    release = _RELEASE.match(studio_version)
    minors = known_minors(contracts)
    if release is not None and f"{release[1]}.{release[2]}" in minors:
        wanted = version_tuple(studio_version)
        chosen = [c for c in contracts if not c.prerelease and c.key <= wanted]
        if chosen:
            return chosen[-1]
    tags = known_tags(contracts)
    close = difflib.get_close_matches(studio_version, tags, n=3, cutoff=0.6)
    hint = f"closest known: {', '.join(close)}" if close else f"known tags: {', '.join(tags)}"
    raise UnknownVersion(
        f"'{studio_version}' is not a Studio tag Rasa's chart shipped, nor a release (X.Y.Z or X.Y.Z-latest) "
        f"of a minor it shipped ({', '.join(minors)}); {hint}"
    )
