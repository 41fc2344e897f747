"""Every config section refuses bad values by key, and the renderer writes nothing for them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from config import validate
from tests.test_config import AWS, BASE, with_
from tools.render import render

SECRET_REF = {"name": "creds", "key": "password"}


def kafka(mode: str, **fields: Any) -> dict[str, Any]:
    extra = {"brokers": ["kafka.example.com:9093"]} if mode == "external" and "brokers" not in fields else {}
    return with_(kafka={"mode": mode, **extra, **fields}, **({"aws": AWS} if mode == "msk" else {}))


def database(mode: str, **fields: Any) -> dict[str, Any]:
    extra = {"host": "db.example.com", "passwordSecret": SECRET_REF} if mode == "external" else {}
    return with_(database={"mode": mode, **extra, **fields}, **({"aws": AWS} if mode == "rds" else {}))


def storage(mode: str, **fields: Any) -> dict[str, Any]:
    extra = {"bucket": "models"} if mode == "external" and "bucket" not in fields else {}
    return with_(objectStorage={"mode": mode, **extra, **fields}, **({"aws": AWS} if mode == "s3" else {}))


# (what is wrong, config, the key path the error must name, a word the reason must contain)
SECTION_CASES = [
    # kubernetes
    (
        "createNamespace not a bool",
        with_(kubernetes={"createNamespace": "maybe"}),
        "kubernetes.createNamespace",
        "boolean",
    ),
    ("empty context", with_(kubernetes={"context": ""}), "kubernetes.context", "at least 1"),
    ("ingress class upper case", with_(kubernetes={"ingressClass": "NGINX"}), "kubernetes.ingressClass", "DNS-1123"),
    (
        "ingress annotations not strings",
        with_(kubernetes={"ingressAnnotations": {"a": {"b": 1}}}),
        "kubernetes.ingressAnnotations.a",
        "string",
    ),
    (
        "ingress controller namespace",
        with_(kubernetes={"ingressControllerNamespace": "Ingress_Nginx"}),
        "kubernetes.ingressControllerNamespace",
        "DNS-1123",
    ),
    (
        "storage class typo",
        with_(kubernetes={"storageClasses": {"readWriteOne": "gp3"}}),
        "kubernetes.storageClasses.readWriteOne",
        "did you mean 'readWriteOnce'",
    ),
    (
        "storage class bad name",
        with_(kubernetes={"storageClasses": {"readWriteMany": "EFS"}}),
        "kubernetes.storageClasses.readWriteMany",
        "DNS-1123",
    ),
    (
        "topology spread not a bool",
        with_(kubernetes={"topologySpread": "zones"}),
        "kubernetes.topologySpread",
        "boolean",
    ),
    (
        "egress cidr with host bits",
        with_(kubernetes={"egressCidrs": ["10.0.0.1/8"]}),
        "kubernetes.egressCidrs.0",
        "CIDR",
    ),
    ("egress cidrs empty", with_(kubernetes={"egressCidrs": []}), "kubernetes.egressCidrs", "at least 1"),
    (
        "api server cidr not an address",
        with_(kubernetes={"apiServerCidrs": ["apiserver"]}),
        "kubernetes.apiServerCidrs.0",
        "CIDR",
    ),
    (
        "external services not a bool",
        with_(kubernetes={"allowExternalServices": "yes please"}),
        "kubernetes.allowExternalServices",
        "boolean",
    ),
    # studio
    (
        "registry with a tag",
        with_(studio={"registry": "registry.example.com/studio:1.0"}),
        "studio.registry",
        "without a tag",
    ),
    ("studio version garbage", with_(studio={"version": "one point seven"}), "studio.version", "tag"),
    ("tls source without tls", with_(studio={"tls": {"secretName": "cert"}}), "studio.tls", "enabled: true"),
    (
        "tls secret name bad",
        with_(studio={"tls": {"enabled": True, "secretName": "Cert_1"}}),
        "studio.tls.secretName",
        "DNS-1123",
    ),
    (
        "pull secret name bad",
        with_(studio={"pullSecret": {"name": "Rasa Registry"}}),
        "studio.pullSecret.name",
        "DNS-1123",
    ),
    (
        "pull secret server empty",
        with_(studio={"pullSecret": {"server": ""}}),
        "studio.pullSecret.server",
        "host name",
    ),
    (
        "pull secret create not a bool",
        with_(studio={"pullSecret": {"create": "sometimes"}}),
        "studio.pullSecret.create",
        "boolean",
    ),
    ("component replicas zero", with_(studio={"webClient": {"replicas": 0}}), "studio.webClient.replicas", ">= 1"),
    ("component version latest", with_(studio={"keycloak": {"version": "latest"}}), "studio.keycloak.version", "pin"),
    (
        "component resources cpu",
        with_(studio={"eventIngestion": {"resources": {"requests": {"cpu": "lots"}}}}),
        "studio.eventIngestion.resources.requests.cpu",
        "quantity",
    ),
    ("component unknown", with_(studio={"backendd": {"replicas": 2}}), "studio.backendd", "did you mean 'backend'"),
    (
        "migration unknown field",
        with_(studio={"databaseMigration": {"backofLimit": 2}}),
        "studio.databaseMigration.backofLimit",
        "did you mean 'backoffLimit'",
    ),
    (
        "autoscaling inverted",
        with_(studio={"backend": {"autoscaling": {"enabled": True, "minReplicas": 4, "maxReplicas": 2}}}),
        "studio.backend.autoscaling",
        "maxReplicas",
    ),
    (
        "autoscaling target above 100",
        with_(studio={"backend": {"autoscaling": {"targetCpuUtilizationPercentage": 150}}}),
        "studio.backend.autoscaling.targetCpuUtilizationPercentage",
        "<= 100",
    ),
    (
        "autoscaling min zero",
        with_(studio={"backend": {"autoscaling": {"minReplicas": 0}}}),
        "studio.backend.autoscaling.minReplicas",
        ">= 1",
    ),
    # modelService
    (
        "rasa pro repository upper case",
        with_(modelService={"rasaPro": {"repository": "Rasa/Pro"}}),
        "modelService.rasaPro.repository",
        "lowercase",
    ),
    (
        "rasa pro tag not a version",
        with_(modelService={"rasaPro": {"tag": "stable"}}),
        "modelService.rasaPro.tag",
        "version",
    ),
    ("rasa pro tag latest", with_(modelService={"rasaPro": {"tag": "latest"}}), "modelService.rasaPro.tag", "pin"),
    # kafka, each mode
    ("in-cluster kafka tag latest", kafka("in-cluster", tag="latest"), "kafka.tag", "pin"),
    (
        "in-cluster kafka image with tag",
        kafka("in-cluster", image="apache/kafka:3.9.1"),
        "kafka.image",
        "without a tag",
    ),
    ("in-cluster kafka storage size", kafka("in-cluster", storageSize="ten gigs"), "kafka.storageSize", "quantity"),
    ("in-cluster kafka unknown field", kafka("in-cluster", broker=3), "kafka.broker", "did you mean 'brokers'"),
    ("topics partitions zero", kafka("in-cluster", topics={"partitions": 0}), "kafka.topics.partitions", ">= 1"),
    ("msk version format", kafka("msk", kafkaVersion="3.6"), "kafka.kafkaVersion", "does not match"),
    ("msk instance type", kafka("msk", instanceType="m7g.large"), "kafka.instanceType", "does not match"),
    ("msk brokers per subnet zero", kafka("msk", brokersPerSubnet=0), "kafka.brokersPerSubnet", ">= 1"),
    ("msk volume too large", kafka("msk", volumeSizeGib=20000), "kafka.volumeSizeGib", "<= 16384"),
    ("msk field from another mode", kafka("msk", brokers=3), "kafka.brokers", "did you mean 'brokersPerSubnet'"),
    ("msk without aws", with_(kafka={"mode": "msk"}), "aws", "kafka.mode msk"),
    ("external kafka without brokers", with_(kafka={"mode": "external"}), "kafka.brokers", "required"),
    (
        "external kafka broker without port",
        kafka("external", brokers=["kafka.example.com"]),
        "kafka.brokers.0",
        "HOST:PORT",
    ),
    ("external kafka empty brokers", kafka("external", brokers=[]), "kafka.brokers", "at least 1"),
    ("external kafka protocol", kafka("external", securityProtocol="TLS"), "kafka.securityProtocol", "one of"),
    ("external kafka mechanism", kafka("external", saslMechanism="OAUTHBEARER"), "kafka.saslMechanism", "one of"),
    (
        "external kafka password ref without key",
        kafka("external", passwordSecret={"name": "kafka"}),
        "kafka.passwordSecret.key",
        "required",
    ),
    ("external kafka ca secret name", kafka("external", caSecret="Kafka CA"), "kafka.caSecret", "DNS-1123"),
    ("external kafka username padded", kafka("external", username=" studio"), "kafka.username", "does not match"),
    ("external kafka username non-ascii", kafka("external", username="stüdio"), "kafka.username", "does not match"),
    # database, each mode
    ("database username upper case", database("in-cluster", username="Studio"), "database.username", "does not match"),
    ("in-cluster database tag latest", database("in-cluster", tag="latest"), "database.tag", "pin"),
    ("in-cluster database storage", database("in-cluster", storageSize="big"), "database.storageSize", "quantity"),
    ("rds engine version", database("rds", engineVersion="seventeen"), "database.engineVersion", "does not match"),
    ("rds instance class", database("rds", instanceClass="t4g.medium"), "database.instanceClass", "does not match"),
    ("rds storage too small", database("rds", allocatedStorageGib=10), "database.allocatedStorageGib", ">= 20"),
    ("rds backup retention", database("rds", backupRetentionDays=40), "database.backupRetentionDays", "<= 35"),
    ("rds multi az not a bool", database("rds", multiAz="both"), "database.multiAz", "boolean"),
    (
        "rds field from another mode",
        database("rds", host="db.example.com"),
        "database.host",
        "allowed: allocatedStorageGib",
    ),
    ("external database port", database("external", port=70000), "database.port", "<= 65535"),
    ("external database ssl mode", database("external", sslMode="always"), "database.sslMode", "one of"),
    (
        "external database without password",
        with_(database={"mode": "external", "host": "db.example.com"}),
        "database.passwordSecret",
        "required",
    ),
    # objectStorage, each mode
    ("minio bucket name", storage("minio", bucket="Models_1"), "objectStorage.bucket", "DNS-1123"),
    ("minio tag latest", storage("minio", tag="latest"), "objectStorage.tag", "pin"),
    ("s3 bucket name", storage("s3", bucket="My_Bucket"), "objectStorage.bucket", "not a bucket name"),
    (
        "s3 expiration zero",
        storage("s3", noncurrentVersionExpirationDays=0),
        "objectStorage.noncurrentVersionExpirationDays",
        ">= 1",
    ),
    (
        "s3 field from another mode",
        storage("s3", endpoint="https://s3.example.com"),
        "objectStorage.endpoint",
        "allowed: abortIncompleteUploadDays, bucket, encryption, mode, noncurrentVersionExpirationDays",
    ),
    (
        "external storage endpoint scheme",
        storage("external", endpoint="s3.example.com"),
        "objectStorage.endpoint",
        "https://",
    ),
    ("external storage bucket too short", storage("external", bucket="ab"), "objectStorage.bucket", "3-63"),
    ("external storage without bucket", with_(objectStorage={"mode": "external"}), "objectStorage.bucket", "required"),
    (
        "external storage credentials name",
        storage("external", credentialsSecret="AWS Creds"),
        "objectStorage.credentialsSecret",
        "DNS-1123",
    ),
    # aws
    ("aws vpc id", with_(database={"mode": "rds"}, aws={**AWS, "vpcId": "vpc-xyz"}), "aws.vpcId", "does not match"),
    (
        "aws subnet id",
        with_(database={"mode": "rds"}, aws={**AWS, "subnetIds": ["subnet-1", "subnet-2"]}),
        "aws.subnetIds.0",
        "does not match",
    ),
    (
        "aws one subnet",
        with_(database={"mode": "rds"}, aws={**AWS, "subnetIds": ["subnet-0a1b2c3d4e5f60001"]}),
        "aws.subnetIds",
        "at least 2",
    ),
    (
        "aws security group",
        with_(database={"mode": "rds"}, aws={**AWS, "clientSecurityGroupIds": ["default"]}),
        "aws.clientSecurityGroupIds.0",
        "does not match",
    ),
    (
        "aws security group listed twice",
        with_(database={"mode": "rds"}, aws={**AWS, "clientSecurityGroupIds": ["sg-0a1b2c3d4e5f60718"] * 2}),
        "aws.clientSecurityGroupIds",
        "listed more than once",
    ),
    (
        "aws renamed security group key",
        with_(database={"mode": "rds"}, aws={**AWS, "nodeSecurityGroupId": "sg-0a1b2c3d4e5f60718"}),
        "aws.nodeSecurityGroupId",
        "was replaced by aws.clientSecurityGroupIds",
    ),
    (
        "aws oidc arn",
        with_(objectStorage={"mode": "s3"}, aws={**AWS, "oidcProviderArn": "arn:aws:iam::1:role/x"}),
        "aws.oidcProviderArn",
        "does not match",
    ),
    (
        "aws facts missing for rds",
        with_(database={"mode": "rds"}, aws={"region": "eu-central-1"}),
        "aws.clientSecurityGroupIds",
        "database.mode rds",
    ),
    ("aws tags not strings", with_(aws={**AWS, "tags": {"team": ["a"]}}), "aws.tags.team", "string"),
    ("aws unknown key", with_(aws={**AWS, "vpc": "vpc-0a1b2c3d4e5f60718"}), "aws.vpc", "did you mean 'vpcId'"),
    # protectData, environment
    ("protectData not a bool", with_(protectData="prod"), "protectData", "boolean"),
    ("environment missing", {k: v for k, v in BASE.items() if k != "environment"}, "environment", "required"),
]


@pytest.mark.parametrize(("case", "raw", "key", "reason"), SECTION_CASES, ids=[c[0] for c in SECTION_CASES])
def test_bad_value_in_every_section_is_refused_naming_its_key(
    case: str, raw: dict[str, Any], key: str, reason: str
) -> None:
    config, problems = validate(raw)
    assert config is None
    matching = [p for p in problems if p.startswith(f"rasa-studio:{key}: ")]
    assert matching, f"no problem names {key}: {problems}"
    assert any(reason in p for p in matching), matching


def test_every_section_has_bad_cases() -> None:
    sections = {key.split(".")[0] for _, _, key, _ in SECTION_CASES}
    assert {
        "kubernetes",
        "studio",
        "modelService",
        "kafka",
        "database",
        "objectStorage",
        "aws",
        "protectData",
    } <= sections


RENDER_CASES = [
    ("kubernetes", with_(kubernetes={"egressCidrs": ["10.0.0.1/8"]}), "kubernetes.egressCidrs.0"),
    (
        "studio",
        with_(studio={"backend": {"autoscaling": {"minReplicas": 0}}}),
        "studio.backend.autoscaling.minReplicas",
    ),
    ("modelService", with_(modelService={"rasaPro": {"tag": "latest"}}), "modelService.rasaPro.tag"),
    ("kafka", kafka("external", brokers=["kafka.example.com"]), "kafka.brokers.0"),
    ("database", database("rds", backupRetentionDays=40), "database.backupRetentionDays"),
    ("objectStorage", storage("s3", bucket="My_Bucket"), "objectStorage.bucket"),
    ("aws", with_(objectStorage={"mode": "s3"}, aws={**AWS, "region": "Frankfurt"}), "aws.region"),
    ("protectData", with_(protectData="prod"), "protectData"),
]


def _stack_file(path: Path, plain: dict[str, Any], secrets: bool = True) -> Path:
    config: dict[str, Any] = {"pulumi:disable-default-providers": ["*"]}
    config.update({f"rasa-studio:{k}": v for k, v in plain.items()})
    if secrets:
        config["rasa-studio:rasaProLicense"] = {"secure": "AAABAJ0="}
        config["rasa-studio:registryPassword"] = {"secure": "AAABAJ0="}
    path.write_text(yaml.safe_dump({"config": config}))
    return path


@pytest.mark.parametrize(("section", "raw", "key"), RENDER_CASES, ids=[c[0] for c in RENDER_CASES])
def test_renderer_refuses_bad_config_without_traceback_and_writes_nothing(
    section: str, raw: dict[str, Any], key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    stack_file = _stack_file(tmp_path / "Pulumi.bad.yaml", raw)
    assert render(["bad", "--config", str(stack_file), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert f"rasa-studio:{key}: " in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert not out.exists()


def test_renderer_refuses_a_plaintext_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    stack_file = _stack_file(tmp_path / "Pulumi.bad.yaml", {**BASE, "rasaProLicense": "plain"}, secrets=False)
    assert render(["bad", "--config", str(stack_file), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert "rasa-studio:rasaProLicense: " in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert not out.exists()
