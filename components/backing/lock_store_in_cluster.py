"""In-cluster lock store (dev): the official Valkey image as one pod behind Service `rasa-lock-store`.

No volume: Rasa's locks expire within seconds of the message they guard, so a restarted server
that forgot them loses nothing a lock would still protect, and a saved copy would only bring back
tickets of messages long handled. The server writes nothing (no RDB, no AOF); `/data`, its
working directory, is a small emptyDir under the read-only root.

The password reaches the server through the environment and stdin only: the start script writes
the config, `requirepass` included, into `valkey-server -` (config from stdin, src/config.c
loadServerConfig), so it is in no argv (`ps`), no file and no field of the pod spec. The probes
read it from REDISCLI_AUTH, the variable valkey-cli (as redis-cli) takes its password from
(src/valkey-cli.c CLI_AUTH_ENV). A rotated password rolls the pod on its `checksum/secrets`.

A one-replica StatefulSet: its controller never runs a second pod of the same identity, not in a
rollout (it deletes before it recreates) nor when a node stops answering, and two servers behind
one Service would each hold half of the locks. No volumeClaimTemplates: nothing to keep.
"""

from __future__ import annotations

import pulumi
import pulumi_random as random
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.meta import v1 as meta

from config.lock_store import InClusterLockStore
from config.sizing import memory_bytes, merge_resources
from config.workloads import fixed_resources

from .. import workload
from ..context import Context
from ..interfaces import LockStore, SecretRef
from ..names import LOCK_STORE_PASSWORD_KEY, LOCK_STORE_SECRET, LOCK_STORE_SERVICE
from ..ports import REDIS_PORT
from ..secrets import StudioSecrets
from ..workload import CHECKSUM_ANNOTATION
from .common import exec_probe, with_probes
from .lock_store import COMPONENT

# The valkey user of the official Debian image (valkey-io/valkey-container, `useradd -u 999`).
USER = workload.User(uid=999, gid=999)
DEFAULT_RESOURCES = fixed_resources("lock-store")
DATA_DIR = "/data"
# The server's share of the container's memory limit; the rest is its own overhead (client
# buffers, allocator fragmentation). Past it the server refuses writes (noeviction) rather than
# silently dropping a lock another replica relies on, and the container is never OOM-killed.
MAX_MEMORY_SHARE = 0.75
# The variable both the start script and valkey-cli read the password from.
PASSWORD_ENV = "REDISCLI_AUTH"
# valkey-cli exits 0 on an error reply (NOAUTH, WRONGPASS), so the probe compares the answer.
PING = ["sh", "-c", f'[ "$(valkey-cli -h 127.0.0.1 -p {REDIS_PORT} ping)" = PONG ]']


def max_memory(limit: str | None) -> int | None:
    """The server's maxmemory in bytes for a container memory limit; None without a limit."""
    return None if limit is None else int(memory_bytes(limit) * MAX_MEMORY_SHARE)


def start_script(max_memory_bytes: int | None) -> str:
    """`sh -c` script: check the password, then exec the server with its config on stdin.

    Generated passwords are letters and digits; anything else would need quoting in the config
    line, so it is refused rather than half-parsed.
    """
    limit = "" if max_memory_bytes is None else f"maxmemory {max_memory_bytes}\n"
    return f"""set -eu
case "${{{PASSWORD_ENV}:-}}" in
  '' | *[!A-Za-z0-9]*)
    echo "{PASSWORD_ENV} must be letters and digits (Secret {LOCK_STORE_SECRET}, key {LOCK_STORE_PASSWORD_KEY})" >&2
    exit 1
    ;;
esac
exec valkey-server - <<EOF
port {REDIS_PORT}
bind * -::*
protected-mode yes
requirepass ${PASSWORD_ENV}
save ""
appendonly no
dir {DATA_DIR}
{limit}maxmemory-policy noeviction
EOF
"""


def lock_store_pod(ctx: Context, cfg: InClusterLockStore, checksum: pulumi.Input[str]) -> core.PodTemplateSpecArgs:
    """The server's pod; `checksum`: a keyed digest of the password, so a rotation restarts it."""
    limits = merge_resources(DEFAULT_RESOURCES, cfg.resources).limits
    server = with_probes(
        workload.container(
            "valkey",
            f"{cfg.image}:{cfg.tag}",
            user=USER,
            resources=workload.resources(DEFAULT_RESOURCES, cfg.resources),
            ports={"redis": REDIS_PORT},
            env=[workload.env_secret(PASSWORD_ENV, LOCK_STORE_SECRET, LOCK_STORE_PASSWORD_KEY)],
            # Past the image's entrypoint, which wants a writable working directory before it
            # looks at its arguments; the script needs none of what it adds.
            command=["sh", "-c", start_script(max_memory(limits.memory))],
            volume_mounts=[workload.mount("data", DATA_DIR)],
        ),
        readiness=exec_probe(PING, initial_delay=2, period=5, failures=3),
        liveness=exec_probe(PING, initial_delay=10, period=10, failures=6),
    )
    return workload.pod_template(
        ctx.pod_labels(COMPONENT),
        workload.pod_spec([server], user=USER, fs_group=USER.gid, volumes=[workload.empty_dir("data", "16Mi")]),
        {CHECKSUM_ANNOTATION: checksum},
        pod_settings=ctx.pod_settings(COMPONENT),
    )


class InClusterLockStoreServer(pulumi.ComponentResource):
    password: random.RandomPassword
    secret: core.Secret
    service: core.Service
    stateful_set: apps.StatefulSet
    lock_store: LockStore

    def __init__(
        self,
        name: str,
        ctx: Context,
        cfg: InClusterLockStore,
        secrets: StudioSecrets,
        password: random.RandomPassword,
        secret: core.Secret,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:backing:InClusterLockStore", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.password, self.secret = password, secret
        self.service = core.Service(
            f"{name}-service",
            metadata=ctx.metadata(LOCK_STORE_SERVICE, COMPONENT),
            spec=core.ServiceSpecArgs(
                type="ClusterIP",
                selector=ctx.pod_selector(COMPONENT),
                ports=[core.ServicePortArgs(name="redis", port=REDIS_PORT, target_port="redis", protocol="TCP")],
            ),
            opts=child,
        )
        template = lock_store_pod(ctx, cfg, secrets.digest(self.password.result))
        self.stateful_set = apps.StatefulSet(
            f"{name}-statefulset",
            metadata=ctx.metadata(LOCK_STORE_SERVICE, COMPONENT),
            spec=apps.StatefulSetSpecArgs(
                service_name=LOCK_STORE_SERVICE,
                replicas=1,
                selector=meta.LabelSelectorArgs(match_labels=ctx.pod_selector(COMPONENT)),
                template=template,
            ),
            # The Secret by plain name in the pod (interfaces.SecretRef says why).
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.secret]),
        )
        self.lock_store = LockStore(
            host=ctx.service_host(LOCK_STORE_SERVICE),
            port=REDIS_PORT,
            tls=False,
            db=0,
            password=SecretRef(LOCK_STORE_SECRET, LOCK_STORE_PASSWORD_KEY, self.secret),
            ready=[self.secret, self.stateful_set],
            rollout_inputs=[self.password.result],
        )
        self.register_outputs({"host": self.lock_store.host})
