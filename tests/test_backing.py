"""The backing services as the real program registers them, for every mode of every service."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.harness import containers, env_of, find, manifests, run_config, run_stack, stack_input
from tests.test_config import with_
from tools.mocks import Registration
from tools.output import clean
from tools.program import ProgramRun

COMPONENT = "app.kubernetes.io/component"
STATEFUL_AWS = {
    "aws:rds/instance:Instance",
    "aws:msk/cluster:Cluster",
    "aws:s3/bucket:Bucket",
    "aws:kms/key:Key",
}
ORCHESTRATED_TOPICS = (
    "rasa-events rasa-events-dlq training-job training-result training-status-update deployment-job deployment-result"
)


def one(run: ProgramRun, typ: str) -> Registration:
    found = run.by_type(typ)
    assert len(found) == 1, f"expected one {typ}, found {len(found)}"
    return found[0]


def inputs(reg: Registration) -> dict[str, Any]:
    return clean(reg.inputs)


BACKING_COMPONENTS = {"kafka", "postgresql", "object-storage"}


def kinds(run: ProgramRun, kind: str) -> dict[str, dict[str, Any]]:
    """The backing services' objects of one kind (the Studio components have their own tests)."""
    return {
        m["metadata"]["name"]: m
        for m in manifests(run)
        if m["kind"] == kind and m["metadata"].get("labels", {}).get(COMPONENT) in BACKING_COMPONENTS
    }


def no_literal_passwords(obj: dict[str, Any]) -> None:
    for c in containers(obj):
        for name, var in env_of(c).items():
            if "PASSWORD" in name or "SECRET" in name:
                assert "value" not in var and "secretKeyRef" in var["valueFrom"], (obj["metadata"]["name"], name)


# --- dev: everything in the cluster ---------------------------------------------------------


def test_dev_runs_kafka_postgresql_and_minio_in_the_cluster_with_contract_labels() -> None:
    run = run_stack("dev")
    sets = kinds(run, "StatefulSet")
    assert {n: s["metadata"]["labels"][COMPONENT] for n, s in sets.items()} == {
        "kafka": "kafka",
        "postgresql": "postgresql",
        "minio": "object-storage",
    }
    services = {
        n: (s["metadata"]["labels"][COMPONENT], [p["port"] for p in s["spec"]["ports"]])
        for n, s in kinds(run, "Service").items()
    }
    assert services["kafka"] == ("kafka", [9092])
    assert services["kafka-headless"] == ("kafka", [9092, 9093])
    assert services["postgresql"] == ("postgresql", [5432])
    assert services["minio"] == ("object-storage", [9000])
    assert not [r for r in run.registrations if r.type.startswith("aws:")]


@pytest.mark.parametrize("name", ["kafka", "postgresql", "minio"])
def test_in_cluster_state_is_on_retained_volumes(name: str) -> None:
    sts = find(run_stack("dev"), "StatefulSet", name)
    assert sts["spec"]["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    (claim,) = sts["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    pod = sts["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    for c in pod["containers"]:
        assert c["securityContext"]["readOnlyRootFilesystem"] is True
        assert c["readinessProbe"] and c["livenessProbe"]
    no_literal_passwords(sts)


def test_in_cluster_kafka_is_kraft_with_scram_users_formatted_from_secrets() -> None:
    run = run_stack("dev")
    sts = find(run, "StatefulSet", "kafka")
    (broker,) = containers(sts)
    env = env_of(broker)
    assert env["KAFKA_STUDIO_USER"]["value"] == "studio"
    assert env["KAFKA_STUDIO_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "studio-secrets",
        "key": "KAFKA_SASL_PASSWORD",
    }
    assert env["KAFKA_ADMIN_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "kafka-admin", "key": "password"}
    assert sts["spec"]["podManagementPolicy"] == "Parallel"
    assert sts["spec"]["replicas"] == 1
    scripts = find(run, "ConfigMap", "kafka-scripts")["data"]
    assert "--add-scram" in scripts["start.sh"] and "SCRAM-SHA-512" in scripts["start.sh"]
    assert (
        "controller.quorum.voters=0@kafka-0.kafka-headless.rasa-studio.svc.cluster.local:9093"
        in scripts["server.properties"]
    )
    assert "zookeeper" not in json.dumps(scripts)


def stack_with(stack: str, **sections: Any) -> ProgramRun:
    """A stack file with whole sections replaced (a mode switch drops the other mode's keys)."""
    plain = dict(stack_input(stack).plain)
    plain.update(sections)
    return run_config(stack, plain)


def test_in_cluster_kafka_outside_dev_runs_three_protected_brokers() -> None:
    run = stack_with("prod", kafka={"mode": "in-cluster"})
    sts = find(run, "StatefulSet", "kafka")
    assert sts["spec"]["replicas"] == 3
    assert find(run, "PodDisruptionBudget", "kafka")["spec"]["maxUnavailable"] == 1
    voters = find(run, "ConfigMap", "kafka-scripts")["data"]["server.properties"]
    assert "2@kafka-2.kafka-headless" in voters and "min.insync.replicas=2" in voters
    reg = next(r for r in run.by_type("kubernetes:apps/v1:StatefulSet") if r.name.endswith("kafka-statefulset"))
    assert reg.protect and reg.retain_on_delete and not reg.delete_before_replace


def test_dev_does_not_protect_but_never_deletes_before_replacing() -> None:
    run = run_stack("dev")
    assert not [r.urn for r in run.registrations if r.protect]
    assert not [r.urn for r in run.registrations if r.delete_before_replace]


def test_postgres_init_creates_the_declared_databases_without_a_password_in_the_config_map() -> None:
    run = run_stack("dev")
    init = find(run, "ConfigMap", "postgresql-init")["data"]["10-studio.sh"]
    for db in ("studio", "keycloak", "modelservice"):
        assert f"-v db={db} " in init
    assert "mock-" not in json.dumps(find(run, "ConfigMap", "postgresql-init"))
    (pg,) = containers(find(run, "StatefulSet", "postgresql"))
    assert pg["securityContext"]["runAsUser"] == 999
    assert env_of(pg)["PGDATA"]["value"] == "/var/lib/postgresql/data/pgdata"
    assert "pg_isready" in " ".join(pg["readinessProbe"]["exec"]["command"])


def test_minio_credentials_secret_carries_aws_keys_and_a_job_makes_the_bucket() -> None:
    run = run_stack("dev")
    secret = find(run, "Secret", "minio-credentials")
    assert sorted(secret["stringData"]) == [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "MINIO_ROOT_PASSWORD",
        "MINIO_ROOT_USER",
    ]
    (job,) = [j for n, j in kinds(run, "Job").items() if n.startswith("minio-bucket-")]
    (mc,) = containers(job)
    assert mc["image"].startswith("minio/mc:")
    assert "mb --ignore-existing" in mc["command"][-1]
    no_literal_passwords(job)


# --- the topic Job, whatever the brokers ----------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_topic_job_creates_exactly_the_declared_topics_idempotently(stack: str) -> None:
    run = run_stack(stack)
    (job,) = [j for n, j in kinds(run, "Job").items() if n.startswith("kafka-topics-")]
    assert job["metadata"]["annotations"]["pulumi.com/replaceUnready"] == "true"
    (cli,) = containers(job)
    env = env_of(cli)
    assert env["KAFKA_TOPICS"]["value"] == ORCHESTRATED_TOPICS
    assert "--create --if-not-exists" in cli["command"][-1]
    studio_password = {"name": "studio-secrets", "key": "KAFKA_SASL_PASSWORD"}
    if stack == "dev":
        # In the cluster it connects as the admin and sets the Studio user's SCRAM credential,
        # which the brokers only write when they format their storage.
        assert env["KAFKA_SASL_USERNAME"]["value"] == "admin"
        assert env["KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "kafka-admin", "key": "password"}
        assert env["KAFKA_SCRAM_USER"]["value"] == "studio"
        assert env["KAFKA_SCRAM_PASSWORD"]["valueFrom"]["secretKeyRef"] == studio_password
    else:
        assert env["KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"] == studio_password
        assert "KAFKA_SCRAM_USER" not in env
    no_literal_passwords(job)
    # The pod must not be mistaken for a broker by the kafka Service or PDB.
    assert job["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"] != "kafka"


def test_topic_job_waits_for_the_brokers() -> None:
    run = run_stack("prod")
    job = next(r for r in run.by_type("kubernetes:batch/v1:Job") if "kafka-topics" in r.name)
    assert any("msk/cluster:Cluster" in d for d in job.depends_on)


def test_embedded_architecture_needs_only_the_event_topics() -> None:
    run = run_stack("dev", "studio.version=1.17.0", "modelService.architecture=embedded")
    (job,) = [j for n, j in kinds(run, "Job").items() if n.startswith("kafka-topics-")]
    assert env_of(containers(job)[0])["KAFKA_TOPICS"]["value"] == "rasa-events rasa-events-dlq"


def test_partition_change_renames_the_topic_job() -> None:
    names = {
        next(n for n in kinds(run_stack("dev", *sets), "Job") if n.startswith("kafka-topics-"))
        for sets in [(), ("kafka.topics.partitions=6",)]
    }
    assert len(names) == 2


# --- external modes -------------------------------------------------------------------------

EXTERNAL = with_(
    kafka={
        "mode": "external",
        "brokers": ["b1.kafka.example.com:9096", "b2.kafka.example.com:9096"],
        "username": "studio",
        "passwordSecret": {"name": "kafka-creds", "key": "password"},
        "caSecret": "kafka-ca",
    },
    database={"mode": "external", "host": "db.example.com", "passwordSecret": {"name": "db-creds", "key": "pw"}},
    objectStorage={
        "mode": "external",
        "bucket": "models",
        "endpoint": "https://s3.example.com",
        "credentialsSecret": "s3-creds",
    },
)


def test_external_services_create_nothing_but_the_topics() -> None:
    run = run_config("dev", EXTERNAL)
    assert not kinds(run, "StatefulSet")
    assert not [r for r in run.registrations if r.type.startswith("aws:")]
    (job,) = kinds(run, "Job").values()
    (cli,) = containers(job)
    env = env_of(cli)
    assert env["KAFKA_BOOTSTRAP_SERVERS"]["value"] == "b1.kafka.example.com:9096,b2.kafka.example.com:9096"
    assert env["KAFKA_SECURITY_PROTOCOL"]["value"] == "SASL_SSL"
    assert env["KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "kafka-creds", "key": "password"}
    volumes = {v["name"]: v for v in job["spec"]["template"]["spec"]["volumes"]}
    assert volumes["ca"]["secret"]["secretName"] == "kafka-ca"


def test_external_sasl_kafka_needs_credentials() -> None:
    from config import validate

    config = with_(kafka={"mode": "external", "brokers": ["b:9092"]})
    _, problems = validate(config)
    assert any("kafka.username" in p for p in problems), problems


# --- AWS-managed ----------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_rds_is_private_encrypted_tls_only_and_backed_up(stack: str) -> None:
    run = run_stack(stack)
    db = inputs(one(run, "aws:rds/instance:Instance"))
    assert db["storageEncrypted"] is True and db["kmsKeyId"].startswith("arn:aws:kms:")
    assert db["publiclyAccessible"] is False
    assert db["backupRetentionPeriod"] == (14 if stack == "prod" else 7)
    assert db["multiAz"] is (stack == "prod")
    assert db["maxAllocatedStorage"] > db["allocatedStorage"]
    assert db["performanceInsightsEnabled"] and db["autoMinorVersionUpgrade"] and db["copyTagsToSnapshot"]
    # Staging keeps prod's data protection (issue 20): deletion protection and a final snapshot.
    assert db["deletionProtection"] is True
    assert db["skipFinalSnapshot"] is False
    assert db["password"] == "[secret]"
    params = inputs(one(run, "aws:rds/parameterGroup:ParameterGroup"))
    assert {(p["name"], p["value"]) for p in params["parameters"]} == {("rds.force_ssl", "1")}
    sg = inputs(next(r for r in run.by_type("aws:ec2/securityGroup:SecurityGroup") if "postgresql" in r.name))
    (rule,) = sg["ingress"]
    assert (rule["fromPort"], rule["toPort"], rule["securityGroups"]) == (5432, 5432, AWS_CLIENT_SGS[stack])
    assert "cidrBlocks" not in rule


# aws.clientSecurityGroupIds of the stack files: node and EKS cluster security groups.
AWS_CLIENT_SGS = {
    "staging": ["sg-0a1b2c3d4e5f60718", "sg-0a1b2c3d4e5f60719"],
    "prod": ["sg-0f1e2d3c4b5a69788", "sg-0f1e2d3c4b5a69789"],
}


def test_rds_databases_and_user_come_from_an_in_cluster_job_over_tls() -> None:
    run = run_stack("prod")
    (job,) = [j for n, j in kinds(run, "Job").items() if n.startswith("database-init-")]
    (psql,) = containers(job)
    env = env_of(psql)
    assert env["PGSSLMODE"]["value"] == "require"
    assert env["PGHOST"]["value"].endswith(".rds.amazonaws.com")
    assert env["PGPASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "postgresql-admin", "key": "password"}
    assert "CREATE DATABASE" in psql["command"][-1]
    no_literal_passwords(job)


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_msk_is_tls_only_scram_encrypted_and_reachable_from_nodes_only(stack: str) -> None:
    run = run_stack(stack)
    cluster = inputs(one(run, "aws:msk/cluster:Cluster"))
    assert cluster["encryptionInfo"]["encryptionInTransit"] == {"clientBroker": "TLS", "inCluster": True}
    assert cluster["encryptionInfo"]["encryptionAtRestKmsKeyArn"].startswith("arn:aws:kms:")
    assert cluster["clientAuthentication"] == {"sasl": {"iam": False, "scram": True}, "unauthenticated": False}
    assert cluster["numberOfBrokerNodes"] == {"staging": 2, "prod": 3}[stack]
    secret = inputs(one(run, "aws:secretsmanager/secret:Secret"))
    assert secret["name"].startswith("AmazonMSK_") and secret["kmsKeyId"].startswith("arn:aws:kms:")
    assert inputs(one(run, "aws:secretsmanager/secretVersion:SecretVersion"))["secretString"] == "[secret]"
    assert inputs(one(run, "aws:msk/scramSecretAssociation:ScramSecretAssociation"))["secretArnLists"] == [
        secret_arn(run)
    ]
    assert (
        "auto.create.topics.enable=false" in inputs(one(run, "aws:msk/configuration:Configuration"))["serverProperties"]
    )
    sg = inputs(next(r for r in run.by_type("aws:ec2/securityGroup:SecurityGroup") if "kafka" in r.name))
    (rule,) = sg["ingress"]
    assert (rule["fromPort"], rule["toPort"], rule["securityGroups"]) == (9096, 9096, AWS_CLIENT_SGS[stack])
    for key in run.by_type("aws:kms/key:Key"):
        assert inputs(key)["enableKeyRotation"] is True


def secret_arn(run: ProgramRun) -> str:
    return one(run, "aws:secretsmanager/secret:Secret").state["arn"]


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_bucket_is_private_versioned_encrypted_and_tls_only(stack: str) -> None:
    run = run_stack(stack)
    block = inputs(one(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"))
    assert all(
        block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    assert inputs(one(run, "aws:s3/bucketOwnershipControls:BucketOwnershipControls"))["rule"] == {
        "objectOwnership": "BucketOwnerEnforced"
    }
    assert (
        inputs(one(run, "aws:s3/bucketVersioning:BucketVersioning"))["versioningConfiguration"]["status"] == "Enabled"
    )
    (rule,) = inputs(
        one(run, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    )["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
    (life,) = inputs(one(run, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"))["rules"]
    assert life["noncurrentVersionExpiration"]["noncurrentDays"] == {"staging": 14, "prod": 30}[stack]
    assert life["abortIncompleteMultipartUpload"]["daysAfterInitiation"] == 7
    bucket_arn = one(run, "aws:s3/bucket:Bucket").state["arn"]
    policy = json.loads(inputs(one(run, "aws:s3/bucketPolicy:BucketPolicy"))["policy"])
    (deny,) = policy["Statement"]
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*" and deny["Action"] == "s3:*"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == [bucket_arn, f"{bucket_arn}/*"]


@pytest.mark.parametrize(
    ("sets", "accounts"),
    [
        ((), ["model-running-service", "model-training-service"]),
        (("studio.version=1.17.0", "modelService.architecture=embedded"), ["rasapro"]),
    ],
)
def test_irsa_role_trusts_exactly_the_storage_service_accounts(sets: tuple[str, ...], accounts: list[str]) -> None:
    run = run_stack("prod", *sets)
    trust = json.loads(inputs(one(run, "aws:iam/role:Role"))["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    issuer = "oidc.eks.eu-central-1.amazonaws.com/id/FEDCBA9876543210FEDCBA9876543210"
    assert statement["Principal"]["Federated"].endswith(f":oidc-provider/{issuer}")
    assert statement["Condition"]["StringEquals"] == {
        f"{issuer}:sub": [f"system:serviceaccount:rasa-studio:{sa}" for sa in accounts],
        f"{issuer}:aud": "sts.amazonaws.com",
    }
    access = json.loads(inputs(one(run, "aws:iam/rolePolicy:RolePolicy"))["policy"])
    bucket_arn = one(run, "aws:s3/bucket:Bucket").state["arn"]
    resources = {r for s in access["Statement"] for r in s["Resource"]}
    assert resources <= {bucket_arn, f"{bucket_arn}/*", *(k.state["arn"] for k in run.by_type("aws:kms/key:Key"))}
    assert "*" not in resources


# --- keeping data ---------------------------------------------------------------------------


def test_prod_protects_every_stateful_resource() -> None:
    run = run_stack("prod")
    stateful = [r for r in run.registrations if r.type in STATEFUL_AWS]
    assert {r.type for r in stateful} == STATEFUL_AWS
    assert [r.urn for r in stateful if not r.protect] == []
    assert [r.urn for r in run.registrations if r.delete_before_replace] == []


def test_staging_protects_what_prod_protects() -> None:
    def protected(stack: str) -> set[str]:
        return {r.type for r in run_stack(stack).registrations if r.custom and r.protect}

    assert protected("staging") == protected("prod")
    assert {"aws:rds/instance:Instance", "aws:msk/cluster:Cluster", "aws:s3/bucket:Bucket"} <= protected("staging")


@pytest.mark.parametrize("change", ["studio.version=1.7.1", "modelService.assistants=9"])
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_unrelated_changes_leave_stateful_resources_untouched(stack: str, change: str) -> None:
    stateful_types = STATEFUL_AWS | {
        "kubernetes:apps/v1:StatefulSet",
        "random:index/randomPassword:RandomPassword",
        "aws:secretsmanager/secret:Secret",
        "aws:rds/parameterGroup:ParameterGroup",
        "aws:rds/subnetGroup:SubnetGroup",
        "kubernetes:core/v1:PersistentVolumeClaim",
    }

    def stateful(run: ProgramRun) -> dict[str, Any]:
        # The model-service consumers are StatefulSets without state: their replica count is
        # what a change of assistants is meant to change.
        return {
            r.urn: clean(r.inputs)
            for r in run.registrations
            if r.type in stateful_types and "model_service:Consumer" not in r.urn
        }

    before, after = stateful(run_stack(stack)), stateful(run_stack(stack, change))
    assert before and before == after


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_security_groups_keep_the_description_they_were_created_with(stack: str) -> None:
    # An EC2 security group's description cannot change in place: a new one would replace the
    # group, and MSK's broker security groups with it (a new cluster).
    run = run_stack(stack)
    descriptions = sorted(inputs(r)["description"] for r in run.by_type("aws:ec2/securityGroup:SecurityGroup"))
    assert descriptions == [
        f"rasa-studio-{stack}-kafka: SASL/SCRAM over TLS from the EKS nodes only",
        f"rasa-studio-{stack}-postgresql: PostgreSQL from the EKS nodes only",
    ]


def test_msk_broker_logs_go_to_a_vended_logs_group() -> None:
    run = run_stack("prod")
    (group,) = run.by_type("aws:cloudwatch/logGroup:LogGroup")
    # Under /aws/vendedlogs/ the account's 5,120-character Logs resource policy does not grow.
    assert inputs(group)["name"] == "/aws/vendedlogs/msk/rasa-studio-prod-kafka"
    assert inputs(group)["retentionInDays"] == 30
    logging = inputs(one(run, "aws:msk/cluster:Cluster"))["loggingInfo"]["brokerLogs"]["cloudwatchLogs"]
    assert logging == {"enabled": True, "logGroup": "/aws/vendedlogs/msk/rasa-studio-prod-kafka"}
