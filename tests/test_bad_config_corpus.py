"""The bad-config corpus: configs a new user writes that cannot work or are unsafe.

Each case runs the renderer as a user would (a stack file, `--set`/`--unset` edits) and must
exit 2 naming the key to change, print no traceback and write nothing. The config step refuses
all of them before the mock runtime starts, so the whole corpus takes well under a second or two.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

from tools import program, stackfile
from tools.render import render

EXTERNAL_DB = ("database.mode=external", "database.host=db.example.com", "database.passwordSecret={name: db, key: pw}")
EXTERNAL_KAFKA = (
    "kafka.mode=external",
    "kafka.brokers=[kafka-1.example.com:9096]",
    "kafka.username=studio",
    "kafka.passwordSecret={name: kafka, key: pw}",
)
EXTERNAL_STORAGE = ("objectStorage.mode=external", "objectStorage.bucket=models")
ASSISTANT = ("assistant.enabled=true", "assistant.assistantId=bot", "assistant.model.path=bot.tar.gz")
# Whole sections as YAML flow mappings: replaces prod's RDS and MSK settings rather than merging.
PROD_EXTERNAL_DB = "database={mode: external, host: db.example.com, passwordSecret: {name: db, key: pw}}"
PROD_EXTERNAL_KAFKA = (
    "kafka={mode: external, brokers: [kafka-1.example.com:9096], username: studio, "
    "passwordSecret: {name: kafka, key: pw}}"
)


class Case(NamedTuple):
    name: str
    stack: str
    args: tuple[str, ...]
    # The text the error line must start with (after the indent): the key to change.
    key: str
    # A word the reason must contain, where the case is about a specific reason.
    reason: str = ""
    # Raw stack-file keys added to a copy of Pulumi.<stack>.yaml (namespaces, plain secrets ...).
    file_keys: tuple[tuple[str, Any], ...] = ()


def s(*assignments: str) -> tuple[str, ...]:
    return tuple(a for assignment in assignments for a in ("--set", assignment))


CASES = [
    # --- kubernetes
    Case(
        "namespace kube-system",
        "dev",
        s("kubernetes.namespace=kube-system"),
        "rasa-studio:kubernetes.namespace",
        "Kubernetes itself",
    ),
    Case("namespace default", "dev", s("kubernetes.namespace=default"), "rasa-studio:kubernetes.namespace"),
    Case("namespace kube-prefix", "dev", s("kubernetes.namespace=kube-studio"), "rasa-studio:kubernetes.namespace"),
    Case(
        "namespace upper case", "dev", s("kubernetes.namespace=Studio"), "rasa-studio:kubernetes.namespace", "DNS-1123"
    ),
    Case(
        "egress cidr host bits",
        "dev",
        s("kubernetes.egressCidrs=[10.0.0.1/8]"),
        "rasa-studio:kubernetes.egressCidrs.0",
        "CIDR",
    ),
    Case("kubernetes too old", "dev", s("kubernetes.version='1.29'"), "rasa-studio:kubernetes.version", "1.30"),
    Case("ingress class upper", "dev", s("studio.ingress.className=NGINX"), "rasa-studio:studio.ingress.className"),
    Case("prod without context", "prod", ("--unset", "kubernetes.context"), "rasa-studio:kubernetes.context"),
    Case(
        "annotation key with space",
        "dev",
        s("studio.ingress.annotations={'bad key': x}"),
        "rasa-studio:studio.ingress.annotations.bad key",
        "annotation key",
    ),
    # --- studio
    Case("host blank", "dev", s("studio.host=' '"), "rasa-studio:studio.host"),
    Case("host with scheme", "dev", s("studio.host=https://studio.example.com"), "rasa-studio:studio.host"),
    Case("studio latest", "dev", s("studio.version=latest"), "rasa-studio:studio.version", "pin"),
    Case("replicas zero", "dev", s("studio.webClient.replicas=0"), "rasa-studio:studio.webClient.replicas", ">= 1"),
    Case(
        "replicas above int32",
        "dev",
        s("studio.webClient.replicas=2147483648"),
        "rasa-studio:studio.webClient.replicas",
        "<= 1000",
    ),
    Case(
        "replicas above a cluster",
        "dev",
        s("studio.keycloak.replicas=5000"),
        "rasa-studio:studio.keycloak.replicas",
        "<= 1000",
    ),
    Case(
        "autoscaler max huge",
        "dev",
        s("studio.backend.autoscaling.maxReplicas=100000"),
        "rasa-studio:studio.backend.autoscaling.maxReplicas",
    ),
    Case(
        "quantity 1.2.3",
        "dev",
        s("studio.backend.resources.requests.cpu=1.2.3"),
        "rasa-studio:studio.backend.resources.requests.cpu",
        "quantity",
    ),
    Case(
        "quantity dot",
        "dev",
        s("studio.keycloak.resources.requests.memory='.'"),
        "rasa-studio:studio.keycloak.resources.requests.memory",
        "quantity",
    ),
    Case(
        "quantity negative",
        "dev",
        s("studio.eventIngestion.resources.limits.cpu=-1"),
        "rasa-studio:studio.eventIngestion.resources.limits.cpu",
        "greater than zero",
    ),
    Case(
        "quantity suffix soup",
        "dev",
        s("studio.webClient.resources.requests.memory=1KMGTP"),
        "rasa-studio:studio.webClient.resources.requests.memory",
        "quantity",
    ),
    Case(
        "quantity zero",
        "dev",
        s("studio.backend.resources.requests.cpu=0"),
        "rasa-studio:studio.backend.resources.requests.cpu",
        "greater than zero",
    ),
    Case(
        "quantity huge exponent",
        "dev",
        s("studio.backend.resources.limits.memory=1e400"),
        "rasa-studio:studio.backend.resources.limits.memory",
    ),
    Case(
        "request above default limit",
        "dev",
        s("studio.backend.resources.requests.cpu=4"),
        "rasa-studio:studio.backend.resources.requests.cpu",
        "above the limit",
    ),
    Case(
        "external Keycloak port out of range",
        "dev",
        s("studio.keycloak.external.url=https://sso.example.com:99999/auth"),
        "rasa-studio:studio.keycloak.external.url",
        "65535",
    ),
    Case(
        "request above own limit",
        "dev",
        s("studio.keycloak.resources={requests: {memory: 4Gi}, limits: {memory: 2Gi}}"),
        "rasa-studio:studio.keycloak.resources.requests.memory",
        "above",
    ),
    Case(
        "limit below default request",
        "dev",
        s("studio.databaseMigration.resources.limits.memory=100Mi"),
        "rasa-studio:studio.databaseMigration.resources.limits.memory",
        "above the limit",
    ),
    Case(
        "registry server with space",
        "dev",
        s("studio.pullSecret.server='registry example.com'"),
        "rasa-studio:studio.pullSecret.server",
    ),
    Case(
        "registry server port",
        "dev",
        s("studio.pullSecret.server=registry.example.com:70000"),
        "rasa-studio:studio.pullSecret.server",
        "65535",
    ),
    Case("tls without a source", "dev", s("studio.tls.enabled=true"), "rasa-studio:studio.tls", "secretName"),
    # --- modelService
    Case(
        "a billion assistants",
        "dev",
        s("modelService.assistants=1000000000"),
        "rasa-studio:modelService.assistants",
        "<= 250",
    ),
    Case("no assistants", "dev", s("modelService.assistants=0"), "rasa-studio:modelService.assistants", ">= 1"),
    Case(
        "parallel trainings",
        "dev",
        s("modelService.parallelTrainings=101"),
        "rasa-studio:modelService.parallelTrainings",
        "<= 100",
    ),
    Case(
        "running consumers",
        "dev",
        s("modelService.runningConsumers=2000"),
        "rasa-studio:modelService.runningConsumers",
        "<= 1000",
    ),
    Case(
        "consumers below rule",
        "dev",
        s("modelService.runningConsumers=1"),
        "rasa-studio:modelService.runningConsumers",
        "below",
    ),
    Case(
        "node size suffix and exponent",
        "dev",
        s("modelService.nodeSize.cpu=1e3m"),
        "rasa-studio:modelService.nodeSize.cpu",
        "quantity",
    ),
    Case(
        "node too small for Studio",
        "dev",
        s("modelService.nodeSize.memory=512Mi"),
        "rasa-studio:modelService.nodeSize",
        "no node could schedule",
    ),
    Case(
        "pod bigger than a node",
        "dev",
        s("modelService.resources.talkProxy={requests: {memory: 64Gi}, limits: {memory: 64Gi}}"),
        "rasa-studio:modelService.resources.talkProxy.requests",
        "no node",
    ),
    Case(
        "model pod request above limit",
        "dev",
        s("modelService.resources.talkProxy.requests.memory=1Gi"),
        "rasa-studio:modelService.resources.talkProxy.requests.memory",
        "above the limit",
    ),
    Case(
        "job request above limit",
        "dev",
        s("modelService.job.resources.requests={cpu: 3, memory: 1Gi}"),
        "rasa-studio:modelService.job.resources.requests.cpu",
        "limits.cpu",
    ),
    Case("storage size zero", "dev", s("modelService.storageSize=0"), "rasa-studio:modelService.storageSize"),
    Case("rasa pro latest", "dev", s("modelService.rasaPro.tag=latest"), "rasa-studio:modelService.rasaPro.tag"),
    Case(
        "check interval zero",
        "dev",
        s("modelService.job.readinessCheck.intervalSeconds=0"),
        "rasa-studio:modelService.job.readinessCheck.intervalSeconds",
    ),
    Case(
        "check delay a day",
        "dev",
        s("modelService.job.startupCheck.initialDelaySeconds=86400"),
        "rasa-studio:modelService.job.startupCheck.initialDelaySeconds",
        "<= 3600",
    ),
    # --- kafka
    Case("in-cluster brokers", "dev", s("kafka.brokers=100"), "rasa-studio:kafka.brokers", "<= 9"),
    Case("partitions zero", "dev", s("kafka.topics.partitions=0"), "rasa-studio:kafka.topics.partitions"),
    Case(
        "partitions huge", "dev", s("kafka.topics.partitions=100000"), "rasa-studio:kafka.topics.partitions", "<= 1000"
    ),
    Case("kafka storage in Gb", "dev", s("kafka.storageSize=10Gb"), "rasa-studio:kafka.storageSize", "quantity"),
    Case(
        "replication above brokers",
        "dev",
        s("kafka.topics.replicationFactor=3"),
        "rasa-studio:kafka.topics.replicationFactor",
        "brokers",
    ),
    Case(
        "kafka limit below request",
        "dev",
        s("kafka.resources.limits.memory=512Mi"),
        "rasa-studio:kafka.resources.limits.memory",
        "above the limit",
    ),
    Case(
        "broker port too high",
        "dev",
        s(*EXTERNAL_KAFKA, "kafka.brokers=[a.example.com:9096,b.example.com:99999]"),
        "rasa-studio:kafka.brokers.1",
        "1..65535",
    ),
    Case(
        "broker port zero",
        "dev",
        s(*EXTERNAL_KAFKA, "kafka.brokers=[a.example.com:0]"),
        "rasa-studio:kafka.brokers.0",
        "1..65535",
    ),
    Case(
        "broker without port",
        "dev",
        s(*EXTERNAL_KAFKA, "kafka.brokers=[a.example.com]"),
        "rasa-studio:kafka.brokers.0",
        "HOST:PORT",
    ),
    Case(
        "broker host with space",
        "dev",
        s(*EXTERNAL_KAFKA, "kafka.brokers=['bad host:9092']"),
        "rasa-studio:kafka.brokers.0",
        "host name",
    ),
    Case("external kafka no brokers", "dev", s(*EXTERNAL_KAFKA, "kafka.brokers=[]"), "rasa-studio:kafka.brokers"),
    Case(
        "msk brokers above quota",
        "staging",
        s("kafka.brokersPerSubnet=31"),
        "rasa-studio:kafka.brokersPerSubnet",
        "<= 30",
    ),
    Case(
        "kafka key of another mode",
        "staging",
        s("kafka.storageSize=10Gi"),
        "rasa-studio:kafka.storageSize",
        "unknown key",
    ),
    # --- database
    Case("database host blank", "dev", s(*EXTERNAL_DB, "database.host=' '"), "rasa-studio:database.host"),
    Case(
        "database host with port",
        "dev",
        s(*EXTERNAL_DB, "database.host=db.example.com:5432"),
        "rasa-studio:database.host",
    ),
    Case(
        "database port too high", "dev", s(*EXTERNAL_DB, "database.port=99999"), "rasa-studio:database.port", "<= 65535"
    ),
    Case("database port zero", "dev", s(*EXTERNAL_DB, "database.port=0"), "rasa-studio:database.port", ">= 1"),
    Case("database user upper", "dev", s("database.username=Studio"), "rasa-studio:database.username"),
    Case(
        "rds retention",
        "staging",
        s("database.backupRetentionDays=40"),
        "rasa-studio:database.backupRetentionDays",
        "<= 35",
    ),
    Case(
        "postgres storage bad", "dev", s("database.storageSize=1.2.3"), "rasa-studio:database.storageSize", "quantity"
    ),
    Case("ssl mode unknown", "dev", s(*EXTERNAL_DB, "database.sslMode=on"), "rasa-studio:database.sslMode", "one of"),
    # --- objectStorage
    Case(
        "endpoint port too high",
        "dev",
        s(*EXTERNAL_STORAGE, "objectStorage.endpoint=https://s3.example.com:99999"),
        "rasa-studio:objectStorage.endpoint",
        "65535",
    ),
    Case(
        "endpoint port zero",
        "dev",
        s(*EXTERNAL_STORAGE, "objectStorage.endpoint=https://s3.example.com:0"),
        "rasa-studio:objectStorage.endpoint",
        "65535",
    ),
    Case(
        "endpoint with path",
        "dev",
        s(*EXTERNAL_STORAGE, "objectStorage.endpoint=https://s3.example.com/models"),
        "rasa-studio:objectStorage.endpoint",
        "no path",
    ),
    Case(
        "endpoint with credentials",
        "dev",
        s(*EXTERNAL_STORAGE, "objectStorage.endpoint=https://key:secret@s3.example.com"),
        "rasa-studio:objectStorage.endpoint",
        "credentials",
    ),
    Case(
        "storage region spaces",
        "dev",
        s(*EXTERNAL_STORAGE, "objectStorage.region=us east 1"),
        "rasa-studio:objectStorage.region",
        "region",
    ),
    Case(
        "storage bucket name",
        "dev",
        s(*EXTERNAL_STORAGE, "objectStorage.bucket=My_Bucket"),
        "rasa-studio:objectStorage.bucket",
        "bucket name",
    ),
    Case("minio storage negative", "dev", s("objectStorage.storageSize=-1Gi"), "rasa-studio:objectStorage.storageSize"),
    Case(
        "s3 expiration a millennium",
        "staging",
        s("objectStorage.noncurrentVersionExpirationDays=365000"),
        "rasa-studio:objectStorage.noncurrentVersionExpirationDays",
    ),
    # --- aws
    Case("aws region spaces", "staging", s("aws.region=us east 1"), "rasa-studio:aws.region"),
    Case("aws tag key too long", "staging", s("aws.tags={" + "k" * 129 + ": v}"), "rasa-studio:aws.tags.kkk", "1-128"),
    Case(
        "aws tag reserved prefix", "staging", s("aws.tags={'aws:team': x}"), "rasa-studio:aws.tags.aws:team", "reserved"
    ),
    Case(
        "aws tag value too long", "staging", s("aws.tags={team: " + "v" * 257 + "}"), "rasa-studio:aws.tags.team", "256"
    ),
    Case(
        "aws subnet id",
        "staging",
        s("aws.subnetIds=[subnet-xyz, subnet-0a1b2c3d4e5f60002]"),
        "rasa-studio:aws.subnetIds.0",
    ),
    Case("aws missing for rds", "dev", s("database.mode=rds"), "rasa-studio:aws", "required"),
    # --- prod safety
    Case("prod unprotected", "prod", s("protectData=false"), "rasa-studio:protectData", "acknowledgeUnsafeProd"),
    Case(
        "prod without tls",
        "prod",
        # The ALB's certificate goes too: it takes effect only with TLS.
        s("studio.tls={enabled: false}", "studio.ingress.alb.certificateArn=null"),
        "rasa-studio:studio.tls.enabled",
        "'tls'",
    ),
    Case(
        "prod database ssl disabled",
        "prod",
        s(PROD_EXTERNAL_DB, "database.sslMode=disable"),
        "rasa-studio:database.sslMode",
        "'databaseTls'",
    ),
    Case("prod database unverified", "prod", s(PROD_EXTERNAL_DB), "rasa-studio:database.sslMode", "verify-full"),
    Case(
        "prod plaintext kafka",
        "prod",
        s(PROD_EXTERNAL_KAFKA, "kafka.securityProtocol=PLAINTEXT"),
        "rasa-studio:kafka.securityProtocol",
        "'kafkaTls'",
    ),
    Case("prod renamed dev", "prod", s("environment=dev"), "rasa-studio:environment", "named prod"),
    Case("prod stale waiver", "prod", s("acknowledgeUnsafeProd=[tls]"), "rasa-studio:acknowledgeUnsafeProd", "remove"),
    Case(
        "waiver in dev",
        "dev",
        s("acknowledgeUnsafeProd=[protectData]"),
        "rasa-studio:acknowledgeUnsafeProd",
        "dev has no safety rules",
    ),
    Case(
        "waiver unknown rule", "prod", s("acknowledgeUnsafeProd=[all]"), "rasa-studio:acknowledgeUnsafeProd.0", "one of"
    ),
    # --- top level and the stack file
    Case("protectData not a bool", "dev", s("protectData=prod"), "rasa-studio:protectData", "boolean"),
    Case("unknown environment", "dev", s("environment=qa"), "rasa-studio:environment", "one of"),
    Case(
        "top-level typo",
        "dev",
        s("modelServices={assistants: 2}"),
        "rasa-studio:modelServices",
        "did you mean 'modelService'",
    ),
    Case(
        "misspelt namespace",
        "dev",
        (),
        "rasa-studo:modelService",
        "did you mean 'rasa-studio:modelService'",
        (("rasa-studo:modelService", {"assistants": 3}),),
    ),
    Case("namespace of nobody", "dev", (), "helm:values", "unknown namespace", (("helm:values", "x"),)),
    Case(
        "key without namespace", "dev", (), "modelService", "needs a namespace", (("modelService", {"assistants": 3}),)
    ),
    Case(
        "plain-text secret",
        "dev",
        (),
        "rasa-studio:rasaProLicense",
        "pulumi config set --secret --stack dev rasaProLicense",
        (("rasa-studio:rasaProLicense", "abc"),),
    ),
    Case(
        "dotted key without --path",
        "dev",
        (),
        "rasa-studio:modelService.assistants",
        "--path",
        (("rasa-studio:modelService.assistants", 3),),
    ),
    Case(
        "unset a key that is not set",
        "dev",
        ("--unset", "modelService.frequentTraining"),
        "rasa-studio:modelService.frequentTraining",
        "not set",
    ),
    # --- the assistant's route (components/assistant/route.py)
    Case(
        "assistant under a path behind the ALB",
        "prod",
        s(*ASSISTANT, "assistant.host=null"),
        "rasa-studio:assistant.host",
        "cannot strip assistant.path",
    ),
    Case(
        "assistant path under Studio's API",
        "dev",
        s(*ASSISTANT, "assistant.path=/api/bot"),
        "rasa-studio:assistant.path",
        "a path Studio serves",
    ),
    Case(
        "assistant on Studio's host",
        "dev",
        s(*ASSISTANT, "assistant.host=studio.localhost"),
        "rasa-studio:assistant.host",
        "Studio's web client",
    ),
    Case("set inside a scalar", "dev", s("studio.host.name=x"), "rasa-studio:studio.host", "not a mapping"),
    Case("missing stack", "qa", (), "Pulumi.qa.yaml", "no such stack file (stacks here: dev, prod, staging)"),
]


def _stack_file(directory: Path, case: Case) -> list[str]:
    if not case.file_keys:
        return []
    document = yaml.safe_load((program.ROOT / f"Pulumi.{case.stack}.yaml").read_text())
    document["config"].update(dict(case.file_keys))
    path = directory / f"Pulumi.{case.stack}.yaml"
    path.write_text(yaml.safe_dump(document))
    return ["--config", str(path)]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_config_exits_2_naming_its_key_and_writes_nothing(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = render([case.stack, *_stack_file(tmp_path, case), *case.args, "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 2, captured.out + captured.err
    assert "Traceback" not in captured.out + captured.err
    lines = [line.strip() for line in captured.err.splitlines()]
    assert lines[0] == "invalid stack configuration:"
    matching = [line for line in lines[1:] if line.split(": ")[0].endswith(case.key) or line.startswith(case.key)]
    assert matching, f"no line names {case.key}: {lines}"
    assert any(case.reason in line for line in matching), matching
    assert not out.exists()
    assert captured.out == ""


def test_the_corpus_covers_every_section() -> None:
    assert len(CASES) >= 60
    sections = {c.key.removeprefix("rasa-studio:").split(".")[0].split(":")[0] for c in CASES}
    assert {
        "kubernetes",
        "studio",
        "modelService",
        "kafka",
        "database",
        "objectStorage",
        "aws",
        "protectData",
        "environment",
        "acknowledgeUnsafeProd",
    } <= sections


def test_set_takes_yaml_flow_values_and_null_or_unset_removes_a_key() -> None:
    given = stackfile.read(program.ROOT / "Pulumi.dev.yaml")
    for assignment in EXTERNAL_KAFKA:
        stackfile.apply_override(given, assignment)
    stackfile.apply_override(given, "kafka.brokers=[a.example.com:9096, b.example.com:9096]")
    assert given.plain["kafka"]["brokers"] == ["a.example.com:9096", "b.example.com:9096"]
    assert given.plain["kafka"]["passwordSecret"] == {"name": "kafka", "key": "pw"}
    config, problems = program.check("dev", given.plain)
    assert config is not None, problems
    stackfile.apply_override(given, "kafka.username=null")
    assert "username" not in given.plain["kafka"]
    stackfile.remove(given, "kafka.passwordSecret")
    assert "passwordSecret" not in given.plain["kafka"]
    # Removing what the stack needs is refused by key, like any other edit.
    config, problems = program.check("dev", given.plain)
    assert config is None and any(p.startswith("rasa-studio:kafka.username: ") for p in problems), problems
    # Secrets never come through --set (shell history); --unset of one the file holds still works.
    with pytest.raises(stackfile.StackFileError):
        stackfile.apply_override(given, "rasaProLicense=abc")
    given.secrets["rasaProLicense"] = "placeholder"
    stackfile.remove(given, "rasaProLicense")
    assert "rasaProLicense" not in given.secrets


def test_pulumi_up_reports_the_same_stack_file_mistakes() -> None:
    # What `pulumi up` hands the program: every key of the stack file, whatever its namespace.
    import pulumi

    from config import ConfigError
    from config.loader import load

    values = {
        f"rasa-studio:{k}": program._wire(v) for k, v in stackfile.read(program.ROOT / "Pulumi.dev.yaml").plain.items()
    }
    values.update(
        {
            "rasa-studo:modelService": '{"assistants": 3}',
            "rasa-studio:modelService.assistants": "3",
            "rasa-studio:rasaProLicense": "plain",
            "aws:region": "eu-central-1",
            "pulumi:disable-default-providers": '["*"]',
            "rasa-studio:registryPassword": "stored as a secret",
        }
    )
    pulumi.runtime.set_all_config(values, secret_keys=["rasa-studio:registryPassword"])
    try:
        with pytest.raises(ConfigError) as raised:
            load(stack="dev")
    finally:
        pulumi.runtime.set_all_config({}, secret_keys=[])
    keys = {p.split(": ")[0] for p in raised.value.problems}
    assert keys == {"rasa-studo:modelService", "rasa-studio:modelService.assistants", "rasa-studio:rasaProLicense"}
