"""Exact Studio tags, the Rasa Pro each Studio version runs with, and the public-images profile.

Expected values are written by hand from RasaHQ/rasa-helm-charts (charts/studio/values.yaml `tag`
and `rasa.rasa.image.tag`, or the backend's DOCKER_IMAGE_TAG for chart 1.2.6, at each release) and
from Rasa's compatibility matrix (https://rasa.com/docs/reference/changelogs/compatibility-matrix),
not derived from config/versions.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from config import validate
from config.compatibility import listed_minors
from config.loader import required_secrets
from config.versions import UnknownVersion, contract_for
from tests.harness import containers, env_of, manifests, run_config, run_stack, stack_input
from tools.mocks import SECRET_PLACEHOLDER
from tools.render import render

# Studio tag -> the Rasa Pro tag the chart release that shipped it pinned.
CHART_PAIRING = {
    "1.7.0": "3.10.4-latest",  # chart 1.2.6, backend DOCKER_IMAGE_TAG
    "1.10.0": "3.11.1",  # 2.0.2
    "1.10.1": "3.11.1",  # 2.0.3
    "1.11.0": "3.11.3",  # 2.0.6
    "1.12.0.dev2": "3.12.0.dev7",  # 2.0.11
    "1.12.0": "3.12.5",  # 2.0.12
    "1.12.2": "3.12.6-latest",  # 2.1.5
    "1.13.0": "3.13.2-latest",  # 2.1.8
    "1.14.0.edge2-latest": "3.13.7-latest",  # 2.1.9
    "1.14.0-latest": "3.14.1-latest",  # 2.2.0
    "1.14.1-latest": "3.13.13-latest",  # 2.2.2, a step back from 2.2.0's
    "1.15.1-latest": "3.13.13-latest",  # 2.4.1
    "1.16.0-latest": "3.16.2-latest",  # 2.5.0
    "1.17.0-latest": "3.16.2-latest",  # 2.6.0
}


def config_for(version: Any, **model_service: Any) -> tuple[Any, list[str]]:
    embedded = not (isinstance(version, str) and version.startswith("1.7"))
    raw = {
        "environment": "dev",
        "studio": {"host": "studio.example.com", "version": version},
        "modelService": {"architecture": "embedded" if embedded else "orchestrated", **model_service},
    }
    return validate(raw)


# --- exact tags ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "chart"),
    [
        ("1.7.0", "1.2.6"),
        ("1.7.0-latest", "1.2.6"),  # chart 1.2.0 shipped it
        ("1.7.3", "1.2.6"),  # a patch release of a known minor
        ("1.12.0.dev2", "2.0.11"),
        ("1.12.1", "2.0.12"),
        ("1.14.0.edge2-latest", "2.1.9"),
        ("1.14.0", "2.2.0"),
        ("1.14.0-latest", "2.2.0"),
        ("1.15.2", "2.4.1"),
        ("1.16.3-latest", "2.5.0"),
        ("1.17.0-latest", "2.6.0"),
    ],
)
def test_known_tags_and_releases_of_known_minors_get_their_charts_contract(tag: str, chart: str) -> None:
    assert contract_for(tag).chart == chart


# What a user may type instead of a real tag, and what the refusal must point at.
BAD_TAGS = [
    ("v1.17.0", "1.17.0"),
    ("1.17.0-lates", "1.17.0-latest"),
    ("1.17", "1.17.0"),
    ("1.17.0-latest-amd64", "1.17.0-latest"),
    ("1.14.0.edge3-latest", "1.14.0.edge2-latest"),
    ("1.16.0rc1", "1.16.0"),
    ("1.8.0", "1.7.0"),  # no chart release ever shipped 1.8.x
    ("1.18.0", "1.17.0"),
    ("1.6.2", "1.7.0"),
]


@pytest.mark.parametrize(("tag", "closest"), BAD_TAGS)
def test_a_misspelt_or_unknown_tag_is_refused_with_the_closest_known(tag: str, closest: str) -> None:
    with pytest.raises(UnknownVersion) as raised:
        contract_for(tag)
    assert closest in str(raised.value).split("closest known: ")[1].split(", ")


@pytest.mark.parametrize("tag", [t for t, _ in BAD_TAGS])
def test_the_renderer_exits_2_naming_studio_version(
    tag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert render(["dev", "--set", f"studio.version='{tag}'", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"rasa-studio:studio.version: '{tag}' is not a Studio tag" in err, err
    assert "Traceback" not in err and not out.exists()


def test_an_unquoted_version_read_as_a_number_says_quote_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # `version: 1.10` in YAML is the float 1.1.
    assert render(["dev", "--set", "studio.version=1.10", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "rasa-studio:studio.version: got the number 1.1" in err and "quote the version" in err, err


def test_the_edge_prerelease_gets_its_charts_database_url() -> None:
    # Chart 2.1.9 shipped 1.14.0.edge2-latest with DATABASE_URL (DB_* came with 2.2.0).
    run = run_stack("dev", "studio.version='1.14.0.edge2-latest'", "modelService.architecture=embedded")
    assert run.outputs["contract"] == "chart 2.1.9 (Studio 1.14.0.edge2-latest)"
    backend = next(
        c for m in manifests(run) if m["kind"] == "Deployment" for c in containers(m) if c["name"] == "backend"
    )
    env = env_of(backend)
    assert "DATABASE_URL" in env and "DB_HOST" not in env and "KEYCLOAK_CLIENT_ID" in env


# --- Rasa Pro per Studio version --------------------------------------------------------------


@pytest.mark.parametrize(("studio", "rasa_pro"), CHART_PAIRING.items())
def test_each_studio_version_runs_the_rasa_pro_its_chart_shipped(studio: str, rasa_pro: str) -> None:
    config, problems = config_for(studio)
    assert problems == [] and config is not None
    assert (
        config.model_service.rasa_pro.image == f"europe-west3-docker.pkg.dev/rasa-releases/rasa-pro/rasa-pro:{rasa_pro}"
    )


def test_the_rendered_rasa_pro_is_the_charts() -> None:
    # The run tests/test_version_contracts.py makes for 1.17.0 (cached).
    run = run_stack("dev", "studio.version=1.17.0", "modelService.architecture=embedded")
    images = {c["image"] for m in manifests(run) if m["kind"] == "Deployment" for c in containers(m)}
    assert "europe-west3-docker.pkg.dev/rasa-releases/rasa-pro/rasa-pro:3.16.2-latest" in images
    dev = manifests(run_stack("dev"))
    backend = next(c for m in dev if m["kind"] == "Deployment" for c in containers(m) if c["name"] == "backend")
    assert env_of(backend)["DOCKER_IMAGE_TAG"]["value"].endswith("/rasa-pro:3.10.4-latest")


def test_the_matrix_rows_for_studio_1_14_split_at_the_fourth_patch() -> None:
    assert listed_minors((1, 14, 0)) == ()
    assert listed_minors((1, 14, 3)) == ((3, 13),)
    assert listed_minors((1, 14, 4)) == ((3, 14),)
    assert listed_minors((1, 17, 0)) == ()


@pytest.mark.parametrize(
    ("studio", "rasa_pro"),
    [
        ("1.17.0-latest", "3.16.5"),  # the chart's minor, where the matrix has no row
        ("1.16.0-latest", "3.16.0"),
        ("1.15.2", "3.15.8"),  # RasaHQ/studio-docker-compose .env
        ("1.14.4", "3.14.0"),
        ("1.14.2", "3.13.20"),
        ("1.7.0", "3.10.7"),
    ],
)
def test_an_override_the_matrix_lists_is_accepted(studio: str, rasa_pro: str) -> None:
    config, problems = config_for(studio, rasaPro={"tag": rasa_pro})
    assert problems == [] and config is not None
    assert config.model_service.rasa_pro.tag == rasa_pro


@pytest.mark.parametrize(
    ("studio", "rasa_pro", "key", "listed"),
    [
        ("1.17.0-latest", "3.15.8", "modelService.rasaPro.tag", "3.16.x"),
        ("1.14.3", "3.14.0", "modelService.rasaPro.tag", "3.13.x"),
        ("1.10.0", "3.12.5", "modelService.rasaPro.tag", "3.11.x"),
        # No tag given: the chart shipped 1.15.1 with 3.13.13-latest, the matrix lists 3.15.x for 1.15.2.
        ("1.15.2", None, "modelService.rasaPro", "3.15.x"),
        ("1.14.5", None, "modelService.rasaPro", "3.14.x"),
    ],
)
def test_a_pairing_outside_the_matrix_is_refused_by_key_unless_acknowledged(
    studio: str, rasa_pro: str | None, key: str, listed: str
) -> None:
    given = {"tag": rasa_pro} if rasa_pro else {}
    _, problems = config_for(studio, rasaPro=given)
    matching = [p for p in problems if p.startswith(f"rasa-studio:{key}: ")]
    assert matching and listed in matching[0], problems
    config, problems = config_for(studio, rasaPro={**given, "acknowledgeOutsideMatrix": True})
    assert problems == [] and config is not None


def test_an_acknowledgement_of_a_listed_pairing_is_refused() -> None:
    _, problems = config_for("1.17.0-latest", rasaPro={"acknowledgeOutsideMatrix": True})
    assert any(p.startswith("rasa-studio:modelService.rasaPro.acknowledgeOutsideMatrix: ") for p in problems)


# --- public images --------------------------------------------------------------------------------

PUBLIC = (
    "studio.registry=docker.io/rasa",
    "studio.version='1.15.2'",
    "modelService.architecture=embedded",
    "modelService.rasaPro.tag='3.15.8'",
)


def test_the_public_profile_pulls_every_image_without_credentials() -> None:
    given = stack_input("dev", *PUBLIC)
    given.plain["studio"]["pullSecret"] = None  # `pullSecret: null` in the stack file
    run = run_config("dev", given.plain, {"rasaProLicense": SECRET_PLACEHOLDER})
    pods = [m for m in manifests(run) if m["kind"] in ("Deployment", "StatefulSet", "Job")]
    assert pods and all("imagePullSecrets" not in m["spec"]["template"]["spec"] for m in pods)
    assert not [m for m in manifests(run) if m.get("type") == "kubernetes.io/dockerconfigjson"]
    images = {c["image"] for m in pods for c in containers(m)}
    assert not [i for i in images if "pkg.dev" in i]
    rasa = {i for i in images if i.startswith("docker.io/rasa/")}
    assert rasa == {
        "docker.io/rasa/rasa-pro:3.15.8",
        "docker.io/rasa/studio-backend:1.15.2",
        "docker.io/rasa/studio-database-migration:1.15.2",
        "docker.io/rasa/studio-event-ingestion:1.15.2",
        "docker.io/rasa/studio-keycloak:1.15.2",
        "docker.io/rasa/studio-web-client:1.15.2",
    }


def test_a_registry_other_than_rasas_has_no_default_pull_secret() -> None:
    given = stack_input("dev", *PUBLIC, "studio.pullSecret=null")  # `--set KEY=null` unsets KEY
    assert "pullSecret" not in given.plain["studio"]
    config, problems = validate(given.plain)
    assert problems == [] and config is not None
    assert config.studio.pull_secret is None
    assert "registryPassword" not in {s.key for s in required_secrets(config)}
    # Rasa's registry keeps its key unless the stack says null.
    config, _ = config_for("1.17.0-latest")
    assert config is not None and config.studio.pull_secret is not None
    assert "registryPassword" in {s.key for s in required_secrets(config)}


def test_the_public_profile_on_studio_1_7_is_refused_for_its_model_service_images() -> None:
    # Only Rasa's registry has the orchestrated services' images.
    given = stack_input("dev", "studio.registry=docker.io/rasa", "studio.pullSecret=null")
    _, problems = validate(given.plain)
    assert any(p.startswith("rasa-studio:studio.pullSecret: Studio 1.7.0's model-service images") for p in problems)
    # With Rasa's key for them, or a mirror of them, it holds.
    given = stack_input("dev", "studio.registry=docker.io/rasa")
    assert validate(given.plain)[1] == []
    mirrored = stack_input(
        "dev",
        "studio.registry=docker.io/rasa",
        "studio.pullSecret=null",
        "modelService.images.registry=mirror.example.com/rasa",
    )
    assert validate(mirrored.plain)[1] == []
