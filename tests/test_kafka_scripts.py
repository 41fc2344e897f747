"""The rendered Kafka scripts and settings: bounded broker logs, passwords SCRAM and JAAS can carry."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from config import ConfigError
from tests.harness import SECRETS, find, manifests, run_config, run_stack, stack_input
from tools.shell_scripts import scripts

BAD_PASSWORDS = ["has,comma", "has]bracket", 'has"quote', "has\\backslash", "non-ascii-é", " padded"]


def _kafka_env(run: Any) -> dict[str, Any]:
    statefulset = find(run, "StatefulSet", "kafka")
    (container,) = statefulset["spec"]["template"]["spec"]["containers"]
    return {e["name"]: e for e in container["env"]}


def test_broker_logs_only_to_the_console_and_writes_no_gc_log() -> None:
    run = run_stack("dev")
    env = _kafka_env(run)
    data = find(run, "ConfigMap", "kafka-scripts")["data"]
    # kafka-server-start.sh (apache/kafka 3.9) keeps a KAFKA_LOG4J_OPTS that is set, and passes
    # EXTRA_ARGS instead of its default '-name kafkaServer -loggc'.
    assert env["KAFKA_LOG4J_OPTS"]["value"] == "-Dlog4j.configuration=file:/opt/kafka/static/log4j.properties"
    assert "-loggc" not in env["EXTRA_ARGS"]["value"].split()
    props = dict(
        line.split("=", 1) for line in data["log4j.properties"].splitlines() if line and not line.startswith("#")
    )
    appenders = {k: v for k, v in props.items() if k.count(".") == 2 and k.startswith("log4j.appender.")}
    assert appenders == {"log4j.appender.stdout": "org.apache.log4j.ConsoleAppender"}
    assert props["log4j.rootLogger"] == "INFO, stdout"
    assert not any(k.startswith("log4j.logger.") and "," in v for k, v in props.items()), "a file appender"


@pytest.mark.parametrize("password", BAD_PASSWORDS)
def test_kafka_password_the_in_cluster_broker_cannot_carry_is_refused(password: str) -> None:
    given = stack_input("dev")
    with pytest.raises(ConfigError) as info:
        run_config("dev", given.plain, {**SECRETS, **given.secrets, "kafkaPassword": password})
    (problem,) = [p for p in info.value.problems if p.startswith("rasa-studio:kafkaPassword: ")]
    assert password not in problem


def test_a_kafka_password_with_spaces_inside_is_accepted() -> None:
    given = stack_input("dev")
    run = run_config("dev", given.plain, {**SECRETS, **given.secrets, "kafkaPassword": "pass word = ok!"})
    assert find(run, "StatefulSet", "kafka")


def _start_script() -> str:
    (start,) = [s for s in scripts(manifests(run_stack("dev"))) if s.origin == "ConfigMap/kafka-scripts data[start.sh]"]
    return start.text


@pytest.mark.parametrize("password", ["has,comma", "has]bracket", 'has"quote', "has\\backslash"])
def test_the_start_script_refuses_a_password_edited_into_the_secret(password: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "KAFKA_ADMIN_PASSWORD": "Admin1", "KAFKA_STUDIO_PASSWORD": password}
    done = subprocess.run(["sh", "-c", _start_script()], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert "which kafka-storage --add-scram and JAAS cannot carry" in done.stderr
    assert password not in done.stderr


def test_the_start_script_goes_on_with_a_fine_password() -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "POD_NAME": "kafka-0",
        "KAFKA_ADMIN_PASSWORD": "Admin1",
        "KAFKA_STUDIO_PASSWORD": "fine pass=word!",
    }
    done = subprocess.run(["sh", "-c", _start_script()], env=env, capture_output=True, text=True, timeout=30)
    # It stops later, at the missing /opt/kafka of this machine, not at the guard.
    assert "cannot carry" not in done.stderr
    assert "/opt/kafka/static/server.properties" in done.stderr


def test_the_topics_job_escapes_credentials_for_jaas_inside_a_properties_file() -> None:
    (job,) = [s for s in scripts(manifests(run_stack("dev"))) if s.origin.startswith("Job/kafka-topics-")]
    (escape,) = [line for line in job.text.splitlines() if line.startswith("escape() ")]
    done = subprocess.run(
        ["sh", "-c", f'{escape}\nescape "$1"', "sh", 'a"b\\c d'], capture_output=True, text=True, check=True
    )
    # JAAS (java.io.StreamTokenizer) reads \" and \\ in a quoted value: a\"b\\c d. The properties
    # file (java.util.Properties) then turns \\ into \, so each of those backslashes is doubled.
    assert done.stdout == 'a\\\\"b\\\\\\\\c d'
