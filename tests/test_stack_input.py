"""Stack-file and command-line input that used to slip through: each is refused with exit 2, one
line per problem naming what to change, and nothing written."""

from __future__ import annotations

import re
from pathlib import Path

import pulumi
import pytest

from config import ConfigError
from config.loader import load
from tools import program
from tools.render import render

DEV = (program.ROOT / "Pulumi.dev.yaml").read_text()


def _render(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str | None, *args: str) -> list[str]:
    """The renderer's problem lines for a dev stack file holding `text` (None: the real one)."""
    out = tmp_path / "out"
    config = []
    if text is not None:
        path = tmp_path / "Pulumi.dev.yaml"
        path.write_text(text)
        config = ["--config", str(path)]
    code = render(["dev", *config, *args, "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 2, captured.out + captured.err
    assert "Traceback" not in captured.err
    assert not out.exists()
    lines = captured.err.splitlines()
    assert lines[0] == "invalid stack configuration:"
    return [line.strip() for line in lines[1:]]


def test_a_top_level_key_given_twice_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The first `studio:` block would be dropped without a word: its host, version and gateway.
    text = DEV + "  rasa-studio:studio:\n    host: other.localhost\n"
    (line,) = _render(tmp_path, capsys, text)
    assert "key 'rasa-studio:studio' appears twice" in line and "first on line" in line


ASSISTANTS = re.search(r"^    assistants: \d+$", DEV, flags=re.M)


def test_a_nested_key_given_twice_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert ASSISTANTS is not None
    text = DEV.replace(ASSISTANTS[0], f"{ASSISTANTS[0]}\n    assistants: 5")
    (line,) = _render(tmp_path, capsys, text)
    assert "key 'assistants' appears twice" in line


def test_a_set_value_with_a_duplicate_key_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (line,) = _render(tmp_path, capsys, None, "--set", "studio.backend.resources={requests: {cpu: 1}, requests: {}}")
    assert line.startswith("--set studio.backend.resources=") and "appears twice" in line


@pytest.mark.parametrize("key", ["databasePassword", "rasaProLicense", "kafkaPassword"])
def test_a_secret_given_with_set_is_refused(key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (line,) = _render(tmp_path, capsys, None, "--set", f"{key}=hunter2")
    assert line.startswith(f"rasa-studio:{key}: is a secret, never given with --set")
    assert f"pulumi config set --secret --stack <stack> {key}" in line
    assert "hunter2" not in line


@pytest.mark.parametrize(
    "text",
    ["", "# nothing yet\n", "config:\n", "config: {}\n", "config:\n  pulumi:disable-default-providers: ['*']\n"],
)
def test_an_empty_stack_file_is_one_line(text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (line,) = _render(tmp_path, capsys, text)
    assert ("empty" in line or "holds no rasa-studio: settings" in line) and "config:" in line


def test_keys_without_config_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "rasa-studio:environment: dev\nrasa-studio:studio:\n  host: studio.localhost\n"
    (line,) = _render(tmp_path, capsys, text)
    assert "no `config:` mapping" in line
    assert "rasa-studio:environment, rasa-studio:studio" in line


def test_a_tab_is_named_on_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert ASSISTANTS is not None
    text = DEV.replace(ASSISTANTS[0], "\t" + ASSISTANTS[0].lstrip())
    (line,) = _render(tmp_path, capsys, text)
    line_number = DEV.splitlines().index(ASSISTANTS[0]) + 1
    assert f"line {line_number}, column 1: a tab character: YAML indents with spaces only" in line


def test_other_yaml_errors_are_one_line_with_their_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (line,) = _render(tmp_path, capsys, DEV + "  rasa-studio:protectData: [false\n")
    assert "not valid YAML: line" in line and "column" in line


def test_pulumi_up_with_an_empty_stack_file_says_so_once() -> None:
    pulumi.runtime.set_all_config({"pulumi:disable-default-providers": '["*"]'}, secret_keys=[])
    try:
        with pytest.raises(ConfigError) as raised:
            load(stack="dev")
    finally:
        pulumi.runtime.set_all_config({}, secret_keys=[])
    (line,) = raised.value.problems
    assert "Pulumi.dev.yaml is empty or has no `config:` mapping" in line


def test_an_external_keycloak_refuses_settings_of_pods_it_does_not_have(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    external = (
        "--set",
        "studio.keycloak.resources=null",
        "--set",
        "studio.version=1.17.0",
        "--set",
        "modelService.architecture=embedded",
        "--set",
        "studio.keycloak.external.url=https://sso.example.com/auth",
    )
    for knob, value in (("replicas", "2"), ("resources", "{requests: {cpu: 1}}"), ("nodeSelector", "{pool: a}")):
        lines = _render(tmp_path, capsys, None, *external, "--set", f"studio.keycloak.{knob}={value}")
        assert [
            ln for ln in lines if ln.startswith(f"rasa-studio:studio.keycloak.{knob}: ") and "no Keycloak pods" in ln
        ]
    assert program.check("dev", _plain_with_external_keycloak())[0] is not None


def _plain_with_external_keycloak() -> dict[str, object]:
    from tests.harness import stack_input

    return stack_input(
        "dev",
        # Settings of the in-cluster Keycloak's pods go (null is as good as unset).
        "studio.keycloak.resources=null",
        "studio.keycloak.replicas=null",
        "studio.version=1.17.0",
        "modelService.architecture=embedded",
        "studio.keycloak.external.url=https://sso.example.com/auth",
        "studio.keycloak.realm=studio",
    ).plain


def test_a_misspelt_aws_region_is_refused_with_the_close_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert render(["staging", "--set", "aws.region=eu-centrl-1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "rasa-studio:aws.region: 'eu-centrl-1' is not an AWS region pulumi-aws" in err
    assert "did you mean 'eu-central-1'?" in err
    # The regions come from the pinned SDK, so those of every partition are known.
    for region in ("eu-central-1", "us-gov-west-1", "cn-north-1"):
        assert program.check("staging", _staging_in(region))[0] is not None, region


def _staging_in(region: str) -> dict[str, object]:
    from tests.harness import stack_input

    return stack_input("staging", f"aws.region={region}").plain


def test_external_s3_without_endpoint_needs_an_aws_region() -> None:
    from tests.harness import stack_input

    plain = stack_input(
        "dev", "objectStorage.mode=external", "objectStorage.bucket=models", "objectStorage.region=eu-west-9"
    ).plain
    config, problems = program.check("dev", plain)
    assert config is None and any(p.startswith("rasa-studio:objectStorage.region: ") for p in problems), problems
    plain["objectStorage"]["endpoint"] = "https://s3.example.com"
    assert program.check("dev", plain)[0] is not None


def test_the_region_list_is_the_pinned_sdks_enum() -> None:
    from pulumi_aws._enums import Region

    from config.aws import aws_regions

    assert aws_regions() == frozenset(r.value for r in Region)
