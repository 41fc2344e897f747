"""TalkProxy: nginx routing /talk/<bot>/... to the Service of the running assistant's Job.

The running consumers give every running assistant its own Service; this proxy (the chart's
`nginx-reverse-proxy`) resolves `<bot>.<namespace>.svc.cluster.local` per request, so bots that
come and go need no config change. The ingress for /talk points at this Service
(names.talk_service). It only forwards to port 80 of a name in the Studio namespace, so the
internal ports of the databases, brokers and orchestrators stay unreachable through it.
"""

from __future__ import annotations

import hashlib

import pulumi
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.core import v1 as core

from config.base import Resources

from .. import names
from ..context import Context
from ..deployment import deployment, service
from ..labels import ComponentName, HelperName
from ..ports import TALK_PROXY_PORT
from ..secrets import image_pull_secrets
from ..workload import HttpProbe, User, container, empty_dir, mount, pod_spec, pod_template, resources
from .env import BOT_TALK_SUB_PATH

COMPONENT: ComponentName = "model-running-orchestrator"
GROUP: HelperName = "nginx-reverse-proxy"
# nginx-unprivileged's user.
NGINX_USER = User(uid=101, gid=101)
# Long-lived Socket.IO sessions of "try your assistant".
TIMEOUT_SECONDS = 300


def nginx_conf(namespace: str, sub_path: str = BOT_TALK_SUB_PATH) -> str:
    """nginx.conf of the proxy: the chart's routing, with a read-only root filesystem."""
    return f"""\
worker_processes  1;
error_log  /dev/stderr warn;
pid        /tmp/nginx.pid;
events {{
    worker_connections  1024;
}}
http {{
    include       /etc/nginx/mime.types;
    default_type  application/octet-stream;
    access_log    /dev/stdout;
    client_body_temp_path /tmp/client_temp;
    proxy_temp_path       /tmp/proxy_temp;
    fastcgi_temp_path     /tmp/fastcgi_temp;
    uwsgi_temp_path       /tmp/uwsgi_temp;
    scgi_temp_path        /tmp/scgi_temp;
    sendfile           on;
    keepalive_timeout  {TIMEOUT_SECONDS};

    server {{
        listen {TALK_PROXY_PORT};
        # proxy_pass with a variable resolves per request through this resolver.
        resolver kube-dns.kube-system.svc.cluster.local valid=5s;

        location ~ ^/{sub_path}/(?<site>[^/]+)/? {{
            # Pass everything after /{sub_path}/<site> on to the bot.
            rewrite ^.*/{sub_path}/(?<site>[^/]+)/?(.*) /$2 break;
            proxy_pass http://$site.{namespace}.svc.cluster.local;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "Upgrade";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_connect_timeout 60s;
            proxy_read_timeout {TIMEOUT_SECONDS}s;
            proxy_send_timeout {TIMEOUT_SECONDS}s;
        }}
        location = /healthz {{
            access_log off;
            return 200;
        }}
    }}
}}
"""


def talk_proxy_pod(ctx: Context, image: str, resource_defaults: Resources) -> core.PodTemplateSpecArgs:
    """The /talk proxy's pod: nginx with the config of nginx_conf."""
    object_name = names.TALK_PROXY_SERVICE
    conf = nginx_conf(ctx.namespace_name)
    probe = HttpProbe("/healthz", TALK_PROXY_PORT)
    return pod_template(
        # A pod group of its own, part of the running service's component (labels.HELPER_OWNER):
        # its NetworkPolicy admits /talk from the ingress and lets it reach the running bots.
        ctx.pod_labels(GROUP),
        pod_spec(
            [
                container(
                    object_name,
                    image,
                    user=NGINX_USER,
                    resources=resources(resource_defaults),
                    ports={"http": TALK_PROXY_PORT},
                    liveness=probe,
                    readiness=probe,
                    volume_mounts=[
                        mount("config", "/etc/nginx/nginx.conf", read_only=True, sub_path="nginx.conf"),
                        mount("tmp", "/tmp"),
                    ],
                )
            ],
            user=NGINX_USER,
            volumes=[
                core.VolumeArgs(
                    name="config",
                    config_map=core.ConfigMapVolumeSourceArgs(name=object_name),
                ),
                empty_dir("tmp"),
            ],
            image_pull_secrets=image_pull_secrets(ctx),
        ),
        # A subPath mount never sees ConfigMap updates: roll the pod when it changes.
        annotations={"checksum/config": hashlib.sha256(conf.encode()).hexdigest()},
        pod_settings=ctx.pod_settings(GROUP),
    )


class TalkProxy(pulumi.ComponentResource):
    config_map: core.ConfigMap
    deployment: apps.Deployment
    service: core.Service

    def __init__(
        self,
        name: str,
        ctx: Context,
        image: str,
        resource_defaults: Resources,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:model_service:TalkProxy", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        object_name = names.TALK_PROXY_SERVICE
        conf = nginx_conf(ctx.namespace_name)
        self.config_map = core.ConfigMap(
            f"{name}-config",
            metadata=ctx.metadata(object_name, COMPONENT),
            data={"nginx.conf": conf},
            opts=child,
        )
        self.deployment = deployment(
            f"{name}-deployment",
            ctx,
            GROUP,
            object_name,
            talk_proxy_pod(ctx, image, resource_defaults),
            1,
            # The ConfigMap by plain name plus this edge (interfaces.SecretRef says why).
            pulumi.ResourceOptions(parent=self, depends_on=[self.config_map]),
            strategy=None,
        )
        self.service = service(f"{name}-service", ctx, GROUP, object_name, "http", child)
        self.register_outputs({"service": self.service.metadata.name})
