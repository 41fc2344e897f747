"""The assistant's lock store: Valkey in the cluster (dev), an ElastiCache replication group (prod).

Judged from outside where something independent exists: the policy pack's pod rules and
shellcheck on the rendered pod, a real Valkey or Redis server (when one is installed) running the
rendered start script and probe, and the plan replay (terraform-provider-aws' force-new rules,
tools/plan/aws_rules.py) for a rotation.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
import yaml

from components.backing.lock_store_elasticache import default_parameter_group, group_id
from components.context import Context
from config import validate
from config.lock_store import windows_overlap
from config.sizing import memory_bytes
from policy.rules import RuleContext, check_resource
from tests.harness import containers, env_of, find, manifests, run_stack, stack_input
from tests.test_config import AWS, with_
from tools import plan, shellcheck
from tools.plan.model import stackless
from tools.program import ProgramRun
from tools.shell_scripts import scripts

ASSISTANT = (
    "assistant.enabled=true",
    "assistant.assistantId=shop",
    "assistant.model.path=shop.tar.gz",
    "assistant.replicas=2",
)
IN_CLUSTER = (*ASSISTANT, "assistant.lockStore.mode=in-cluster")
# Prod serves Studio through the ALB, which cannot strip a path: the assistant takes a host there.
ELASTICACHE = (*ASSISTANT, "assistant.lockStore.mode=elasticache", "assistant.host=assistant.example.com")
ROTATED = "passwordRotation.lockStorePassword=1"
NAME = "rasa-lock-store"
PASSWORD = "random:index/randomPassword:RandomPassword"
GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"


def dev() -> ProgramRun:
    return run_stack("dev", *IN_CLUSTER)


def prod() -> ProgramRun:
    return run_stack("prod", *ELASTICACHE)


def one(run: ProgramRun, typ: str, suffix: str = "") -> Any:
    (found,) = [r for r in run.by_type(typ) if "lock-store" in r.name and r.name.endswith(suffix)]
    return found


def password(run: ProgramRun) -> str:
    return str(one(run, PASSWORD).state["result"])


# --- in the cluster ---------------------------------------------------------------------------


def test_the_server_is_one_hardened_pod_without_a_volume_behind_its_service() -> None:
    run = dev()
    stateful_set = find(run, "StatefulSet", NAME)
    spec = stateful_set["spec"]
    # Two servers behind one Service would each hold half of the locks: one pod, never two.
    assert spec["replicas"] == 1 and "updateStrategy" not in spec
    pod = spec["template"]["spec"]
    assert "volumeClaimTemplates" not in spec and [v.get("persistentVolumeClaim") for v in pod["volumes"]] == [None]
    (server,) = containers(stateful_set)
    assert server["image"].startswith("valkey/valkey:") and server["securityContext"]["readOnlyRootFilesystem"]
    config, problems = validate(stack_input("dev", *IN_CLUSTER).plain)
    assert config is not None, problems
    ctx = RuleContext.from_config(config)
    (registered,) = [r for r in run.by_type("kubernetes:apps/v1:StatefulSet") if "lock-store" in r.name]
    assert check_resource(registered.type, registered.inputs, ctx) == {}
    # One replica: no PodDisruptionBudget, which could only ever block a node drain.
    assert not [m for m in manifests(run) if m["kind"] == "PodDisruptionBudget" and NAME in m["metadata"]["name"]]
    service = find(run, "Service", NAME)
    assert [(p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == [(6379, "redis")]
    assert service["spec"]["selector"] == spec["selector"]["matchLabels"]


def test_the_password_is_only_in_its_secret_never_in_the_pod_spec() -> None:
    run = dev()
    value = password(run)
    (server,) = containers(find(run, "StatefulSet", NAME))
    assert env_of(server)["REDISCLI_AUTH"] == {
        "name": "REDISCLI_AUTH",
        "valueFrom": {"secretKeyRef": {"name": NAME, "key": "REDIS_PASSWORD"}},
    }
    assert value not in json.dumps([m for m in manifests(run) if m["kind"] != "Secret"])
    (secret,) = [r for r in run.by_type("kubernetes:core/v1:Secret") if r.inputs["metadata"]["name"] == NAME]
    assert value in json.dumps(secret.inputs["stringData"])
    # The Secret is ordered before the pods that read it by name, never a property dependency.
    (registered,) = [r for r in run.by_type("kubernetes:apps/v1:StatefulSet") if "lock-store" in r.name]
    assert secret.urn in registered.depends_on
    assert not any(secret.urn in urns for urns in registered.property_dependencies.values())


def test_the_start_script_and_probes_pass_shellcheck() -> None:
    found = list(scripts([find(dev(), "StatefulSet", NAME)]))
    checked, findings = shellcheck.check(found)
    # The start script, and the one ping both probes run.
    assert (len(found), checked, findings) == (3, 2, [])
    # And the check can fail: the probe with its quoting dropped (an empty answer breaks the test).
    probe = next(s for s in found if s.origin.endswith("readinessProbe"))
    broken = dataclasses.replace(probe, text=probe.text.replace('"$(', "$(").replace(')"', ")"))
    assert shellcheck.check([broken])[1]


def test_a_rotation_rolls_the_server_and_replaces_only_the_password() -> None:
    before, after = dev(), run_stack("dev", *IN_CLUSTER, ROTATED)
    assert password(before) != password(after)
    p = plan.diff(before, after)
    assert p.losses() == [] and p.stopped() == [], p.table()
    assert [s.type for s in p.replaced()] == [PASSWORD], p.table()
    step = p.find("StatefulSet", NAME)
    assert step.op == "update", p.table()

    def checksum(run: ProgramRun, kind: str = "StatefulSet", name: str = NAME) -> str:
        return str(find(run, kind, name)["spec"]["template"]["metadata"]["annotations"]["checksum/secrets"])

    assert checksum(before) != checksum(after)
    # The assistant reads the new password only when its pods start: they roll with the server,
    # and Studio's, which never read it, stay.
    assert checksum(before, "Deployment", "rasa") != checksum(after, "Deployment", "rasa")
    assert checksum(before, "Deployment", "studio-backend") == checksum(after, "Deployment", "studio-backend")


# --- against a real server --------------------------------------------------------------------

SERVER = shutil.which("valkey-server") or shutil.which("redis-server")
CLI = shutil.which("valkey-cli") or shutil.which("redis-cli")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.skipif(SERVER is None or CLI is None, reason="no valkey-server or redis-server installed")
def test_the_rendered_script_starts_a_server_that_only_answers_with_the_password(tmp_path: Path) -> None:
    """The rendered script and probe, moved to a free port and a temporary /data."""
    assert SERVER is not None and CLI is not None
    (server,) = containers(find(dev(), "StatefulSet", NAME))
    port, data = free_port(), tmp_path / "data"
    data.mkdir()

    def local(text: str) -> str:
        return text.replace("6379", str(port)).replace("dir /data", f"dir {data}")

    start, probe = local(server["command"][2]), local(server["readinessProbe"]["exec"]["command"][2])
    # The image's names for the binaries, on whatever this machine has.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "valkey-server").symlink_to(SERVER)
    (bin_dir / "valkey-cli").symlink_to(CLI)
    secret = "Abc123def456Ghi789jkl0"
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "REDISCLI_AUTH": secret}

    def answers(auth: str | None) -> bool:
        probe_env = {k: v for k, v in env.items() if k != "REDISCLI_AUTH"} | ({"REDISCLI_AUTH": auth} if auth else {})
        return subprocess.run(["sh", "-c", probe], env=probe_env, capture_output=True, timeout=10).returncode == 0

    proc = subprocess.Popen(["sh", "-c", start], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            if answers(secret):
                break
            time.sleep(0.05)
        assert answers(secret)
        assert not answers("wrongWrongWrong123") and not answers(None)
        # The assistant logs in as its endpoints.yml says: user and password (Rasa Pro 3.16 refuses
        # a password alone, rasa/core/lock_store.py RedisLockStoreConfig.verify_username_password).
        lock = yaml.safe_load(find(dev(), "ConfigMap", "rasa-config")["data"]["endpoints.yml"])["lock_store"]
        as_rasa = [CLI, "-p", str(port), "--no-auth-warning", "--user", str(lock.get("username")), "--pass", secret]
        assert subprocess.run([*as_rasa, "ping"], capture_output=True, text=True, timeout=10).stdout.strip() == "PONG"
        wrong_user = [*as_rasa[:5], "nobody", *as_rasa[6:], "ping"]
        assert subprocess.run(wrong_user, capture_output=True, text=True, timeout=10).stdout.strip() != "PONG"

        def setting(name: str) -> str:
            argv = [CLI, "-p", str(port), "config", "get", name]
            return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=10).stdout.split("\n")[1]

        # Below the container's memory limit, and full means refused writes, never evicted locks.
        limit = memory_bytes(server["resources"]["limits"]["memory"])
        assert 0 < int(setting("maxmemory")) < limit and setting("maxmemory-policy") == "noeviction"
        assert (setting("save"), setting("appendonly")) == ("", "no")
        # exec: the shell became the server, whose argv holds no password (what `ps` shows).
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode()
        assert secret not in cmdline and "-server" in cmdline
    finally:
        proc.terminate()
        output = proc.communicate(timeout=10)[0].decode()
    assert secret not in output
    # Nothing saved: the locks die with the server.
    assert list(data.iterdir()) == []


@pytest.mark.skipif(SERVER is None, reason="no valkey-server or redis-server installed")
def test_the_script_refuses_a_password_it_could_not_quote(tmp_path: Path) -> None:
    (server,) = containers(find(dev(), "StatefulSet", NAME))
    for bad in ("", "two words", 'quote"d'):
        done = subprocess.run(
            ["sh", "-c", server["command"][2]],
            env={"PATH": os.environ["PATH"], "REDISCLI_AUTH": bad},
            capture_output=True,
            timeout=10,
            text=True,
        )
        assert done.returncode == 1 and "REDISCLI_AUTH must be letters and digits" in done.stderr


# --- ElastiCache ------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_rasa_pro_reads_the_lock_store_it_is_given(stack: str) -> None:
    """Rasa Pro's ConcurrentRedisLockStore, the lock store its docs recommend for replicas, reads
    `host` (a `url` it ignores, and connects to localhost) with `port`, `db`, `username`, `password`
    and `use_ssl` (rasa/core/concurrent_lock_store.py, rasa-pro 3.11.0 and 3.16.2 wheels); a
    username and a password both or neither, as 3.16's RedisLockStoreConfig demands."""
    run = dev() if stack == "dev" else prod()
    lock = yaml.safe_load(find(run, "ConfigMap", "rasa-config")["data"]["endpoints.yml"])["lock_store"]
    assert lock["type"] == "concurrent_redis" and "url" not in lock
    service = f"{NAME}.rasa-studio.svc.cluster.local" if stack == "dev" else None
    assert lock["host"] == service if service else lock["host"].endswith(".cache.amazonaws.com")
    assert lock["use_ssl"] is (stack == "prod") and lock["password"] == "${REDIS_PASSWORD}"
    assert bool(lock.get("username")) == bool(lock.get("password"))


def test_elasticache_encrypts_both_ways_with_a_token_and_admits_only_the_clients() -> None:
    run = prod()
    group = one(run, GROUP)
    inputs = group.inputs
    assert inputs["transitEncryptionEnabled"] is True and inputs["transitEncryptionMode"] == "required"
    key = one(run, "aws:kms/key:Key")
    assert inputs["atRestEncryptionEnabled"] is True and inputs["kmsKeyId"] == key.state["arn"]
    assert key.protect and key.retain_on_delete
    assert inputs["authToken"] and inputs["authTokenUpdateStrategy"] == "ROTATE"
    # One read replica by default: automatic failover across zones.
    assert (inputs["numCacheClusters"], inputs["automaticFailoverEnabled"], inputs["multiAzEnabled"]) == (2, True, True)
    assert inputs["clusterMode"] == "disabled" and inputs["port"] == 6379
    sg = one(run, "aws:ec2/securityGroup:SecurityGroup")
    clients = stack_input("prod").plain["aws"]["clientSecurityGroupIds"]
    assert [(r["fromPort"], r["toPort"], r["securityGroups"], r.get("cidrBlocks")) for r in sg.inputs["ingress"]] == [
        (6379, 6379, clients, None)
    ]
    assert inputs["securityGroupIds"] == [sg.state["id"]]
    subnets = one(run, "aws:elasticache/subnetGroup:SubnetGroup")
    assert subnets.inputs["subnetIds"] == stack_input("prod").plain["aws"]["subnetIds"]
    # Prod keeps its data: protected, and a deliberate delete leaves a final snapshot.
    assert group.protect and inputs["finalSnapshotIdentifier"] == f"{inputs['replicationGroupId']}-final"
    assert len(inputs["replicationGroupId"]) <= 40
    # The token reaches the assistant through the same Secret as in the cluster; no pod of its own.
    value = password(run)
    (secret,) = [r for r in run.by_type("kubernetes:core/v1:Secret") if r.inputs["metadata"]["name"] == NAME]
    assert value in json.dumps(secret.inputs["stringData"])
    # ElastiCache's own rule (User Guide, AUTH): 16-128 printable, non-alphanumerics only !&#$^<>-.
    assert 16 <= len(value) <= 128 and all(c.isascii() and (c.isalnum() or c in "!&#$^<>-") for c in value)
    assert not [
        m for m in manifests(run) if m["metadata"]["name"] == NAME and m["kind"] in ("Deployment", "StatefulSet")
    ]


# terraform-provider-aws internal/service/elasticache/replication_group.go validateReplicationGroupID.
GROUP_ID = re.compile(r"^[A-Za-z][0-9A-Za-z-]{0,39}$")


def group_id_of(instance: str) -> str:
    return group_id(cast(Context, SimpleNamespace(instance=instance)))


def test_the_group_id_fits_elasticache_and_stays_unique_for_long_instances() -> None:
    """A DNS-label instance may be 63 characters; a plain cut at 40 leaves 28 of them, so two
    stacks in one account could ask for the same id and the second `pulumi up` fail half-way."""
    # Short names keep the plain form (no digest): what a stack's name already is.
    assert group_id_of("prod") == "rasa-studio-prod-lock-store"
    instances = [
        "customer-a-production-eu-west-1",
        "customer-a-production-eu-central-1",
        "customer-a-production-eu-west-1-blue",
        "x" * 63,
        "a-" * 31 + "b",
    ]
    ids = [group_id_of(i) for i in instances]
    assert len(set(ids)) == len(ids), ids
    for found in ids:
        assert GROUP_ID.match(found) and "--" not in found and not found.endswith("-"), found
    assert group_id_of(instances[0]) == group_id_of(instances[0])


def test_a_token_rotation_updates_the_group_in_place() -> None:
    before, after = prod(), run_stack("prod", *ELASTICACHE, ROTATED)
    p = plan.diff(before, after)
    assert p.losses() == [] and p.stopped() == [], p.table()
    assert [s.type for s in p.replaced()] == [PASSWORD], p.table()
    (step,) = [s for s in p.steps if s.type == GROUP]
    assert step.op == "update", p.table()
    old, new = one(before, GROUP), one(after, GROUP)
    assert {k for k in new.inputs if new.inputs[k] != old.inputs[k]} == {"authToken"}


def test_a_major_engine_upgrade_names_the_new_versions_parameter_group_in_the_same_update() -> None:
    """ElastiCache refuses a new major version under the old family's parameter group ("Expected a
    parameter group of family valkey8 but found one of family valkey7"); the provider sends both in
    one ModifyReplicationGroup when both inputs change (replication_group.go Update)."""
    before, after = prod(), run_stack("prod", *ELASTICACHE, 'assistant.lockStore.engineVersion="9.0"')
    assert one(before, GROUP).inputs["parameterGroupName"] == "default.valkey8"
    p = plan.diff(before, after)
    assert p.losses() == [] and p.stopped() == [] and p.replaced() == [], p.table()
    old, new = one(before, GROUP), one(after, GROUP)
    assert {k for k in new.inputs if new.inputs[k] != old.inputs[k]} == {"engineVersion", "parameterGroupName"}
    assert (new.inputs["engineVersion"], new.inputs["parameterGroupName"]) == ("9.0", "default.valkey9")
    # ElastiCache's default group names: `default.` and the version's family.
    assert [default_parameter_group(*v) for v in (("valkey", "7.2"), ("valkey", "8.2"), ("redis", "7.1"))] == [
        "default.valkey7",
        "default.valkey8",
        "default.redis7",
    ]


def test_a_force_new_change_of_the_group_is_stopped_by_protection() -> None:
    """The plan replay knows the group's force-new inputs: a new KMS key would mean a new, empty group."""
    before = plan.resources(prod())
    after = [
        dataclasses.replace(r, inputs={**r.inputs, "kmsKeyId": "arn:aws:kms:eu-central-1:123456789012:key/other"})
        if r.type == GROUP
        else r
        for r in before
    ]
    (step,) = [s for s in plan.diff(before, after).steps if s.type == GROUP]
    assert (step.op, step.why, step.outcome) == ("replace", ["kmsKeyId"], "stopped")
    unprotected = [dataclasses.replace(r, protect=False) for r in before]
    (step,) = [s for s in plan.diff(unprotected, after).steps if s.type == GROUP]
    assert step.outcome == "loss"


def test_moving_between_the_cluster_and_elasticache_keeps_the_secret_and_password() -> None:
    """The same resources in both modes: another URN for Secret `rasa-lock-store` would be created
    before the old one is deleted, which the API server refuses (the name is taken)."""

    def credentials(run: ProgramRun) -> set[str]:
        found = [r for r in run.by_type(PASSWORD) if "lock-store" in r.name]
        found += [r for r in run.by_type("kubernetes:core/v1:Secret") if r.inputs["metadata"]["name"] == NAME]
        return {stackless(r.urn) for r in found}

    in_cluster, managed = credentials(dev()), credentials(prod())
    assert len(in_cluster) == 2 and in_cluster == managed


# --- config ----------------------------------------------------------------------------------

ON = {"enabled": True, "assistantId": "shop", "model": {"path": "shop.tar.gz"}, "replicas": 2}


def elasticache(aws: dict[str, Any] = AWS, **fields: Any) -> dict[str, Any]:
    return with_(assistant={**ON, "lockStore": {"mode": "elasticache", **fields}}, aws=aws)


ONE_SUBNET = {**AWS, "subnetIds": AWS["subnetIds"][:1]}


@pytest.mark.parametrize(
    ("raw", "key", "word"),
    [
        (elasticache(engine="redis", engineVersion="6.2"), "assistant.lockStore.engineVersion", "7.0, 7.1"),
        (elasticache(engineVersion="7.1"), "assistant.lockStore.engineVersion", "valkey"),
        # Unquoted in YAML (or --set) 9.0 is a number; the message says to quote it.
        (elasticache(engineVersion=9.0), "assistant.lockStore.engineVersion", "quote the version"),
        (elasticache(nodeType="cache.t2.micro"), "assistant.lockStore.nodeType", "current generation"),
        (elasticache(nodeType="cache.t4g.large"), "assistant.lockStore.nodeType", "size"),
        (elasticache(nodeType="cache.r6gd.xlarge"), "assistant.lockStore.nodeType", "family"),
        (elasticache(maintenanceWindow="Sun:05:00-sun:06:00"), "assistant.lockStore.maintenanceWindow", "match"),
        (elasticache(snapshotWindow="25:00-26:00"), "assistant.lockStore.snapshotWindow", "match"),
        (elasticache(snapshotWindow="03:00-03:30"), "assistant.lockStore.snapshotWindow", "60 minutes"),
        (elasticache(maintenanceWindow="sun:23:30-mon:00:15"), "assistant.lockStore.maintenanceWindow", "60 minutes"),
        # ElastiCache refuses overlapping windows at apply time; across midnight and the week's end too.
        (
            elasticache(maintenanceWindow="sun:23:30-mon:00:30", snapshotWindow="23:30-00:30"),
            "assistant.lockStore.snapshotWindow",
            "overlaps maintenanceWindow",
        ),
        (
            elasticache(maintenanceWindow="sun:23:30-mon:00:30", snapshotWindow="00:15-01:15"),
            "assistant.lockStore.snapshotWindow",
            "overlaps",
        ),
        (
            elasticache(maintenanceWindow="wed:02:00-wed:05:00", snapshotWindow="04:59-06:00"),
            "assistant.lockStore.snapshotWindow",
            "overlaps",
        ),
        (elasticache(ONE_SUBNET), "assistant.lockStore.replicasPerShard", "2 availability zones"),
        (elasticache(replicasPerShard=6), "assistant.lockStore.replicasPerShard", "<= 5"),
        (elasticache({**AWS, "clientSecurityGroupIds": []}), "aws.clientSecurityGroupIds", "elasticache"),
        (with_(assistant={**ON, "lockStore": {"mode": "in-cluster", "tag": "latest"}}), "assistant.lockStore.tag", ""),
    ],
)
def test_bad_lock_store_config_is_refused_naming_its_key(raw: dict[str, Any], key: str, word: str) -> None:
    config, problems = validate(raw)
    assert config is None
    assert any(p.startswith(f"rasa-studio:{key}: ") and word in p for p in problems), problems


@pytest.mark.parametrize(
    "raw",
    [
        elasticache(),
        elasticache(ONE_SUBNET, replicasPerShard=0),
        elasticache(engine="redis", engineVersion="7.1", nodeType="cache.m7g.2xlarge"),
        elasticache(maintenanceWindow="sun:23:30-mon:00:30", snapshotWindow="00:30-01:30"),
        elasticache(maintenanceWindow="wed:03:00-wed:04:00", snapshotWindow="23:30-00:30"),
        # Back to back is not an overlap.
        elasticache(maintenanceWindow="sat:22:00-sun:03:00", snapshotWindow="03:00-04:00"),
    ],
)
def test_good_lock_store_config_is_accepted(raw: dict[str, Any]) -> None:
    assert validate(raw)[1] == []


def test_window_overlap_agrees_with_counting_the_minutes_of_the_week() -> None:
    """windows_overlap against a plain oracle: the set of minutes of the week each window covers."""
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    week = 7 * 1440

    def minutes(start: int, length: int, period: int, repeat: int) -> set[int]:
        return {(day * period + start + m) % week for day in range(repeat) for m in range(length)}

    rng = random.Random(23)
    for _ in range(300):
        d_start, d_len = rng.randrange(1440), rng.choice([60, 61, 90, 240, 1439])
        w_start, w_len = rng.randrange(week), rng.choice([60, 120, 600, 1440, 3000])
        d_end, w_end = (d_start + d_len) % 1440, (w_start + w_len) % week

        def hm(m: int) -> str:
            return f"{m % 1440 // 60:02d}:{m % 60:02d}"

        daily = f"{hm(d_start)}-{hm(d_end)}"
        weekly = f"{days[w_start // 1440]}:{hm(w_start)}-{days[w_end // 1440]}:{hm(w_end)}"
        expected = bool(minutes(d_start, d_len, 1440, 7) & minutes(w_start, w_len, week, 1))
        assert windows_overlap(daily, weekly) is expected, (daily, weekly)
