"""RasaStudio: the whole deployment, composed from one component per container and service."""

from __future__ import annotations

import dataclasses

import pulumi
from pulumi_kubernetes.core import v1 as core

from config import LoadedConfig
from config.versions import contract_for

from .assistant import Assistant
from .backing import BackingServices
from .capacity import deployment_capacity
from .context import Context
from .foundation import Foundation
from .model_service import ModelServices
from .namespace import namespace as create_namespace
from .network import NetworkPolicies
from .requirements import Requirements, requirements
from .secrets import StudioSecrets
from .studio_app import StudioApplication
from .studio_app.paths import entry_point


class RasaStudio(pulumi.ComponentResource):
    """Rasa Studio and its backing services in one namespace."""

    namespace: core.Namespace | None
    context: Context
    secrets: StudioSecrets
    requirements: Requirements
    backing: BackingServices
    application: StudioApplication
    model_services: ModelServices
    # The Rasa Pro assistant next to Studio; None unless assistant.enabled.
    assistant: Assistant | None
    network: NetworkPolicies
    # "chart <release> (Studio <version>)": whose container contract this deployment follows.
    contract: str

    def __init__(
        self,
        name: str,
        loaded: LoadedConfig,
        foundation: Foundation,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:index:RasaStudio", name, None, opts)
        config = loaded.config
        child = pulumi.ResourceOptions(parent=self)
        ns_name = config.kubernetes.namespace

        self.namespace = None
        namespace: pulumi.Input[str] = ns_name
        if config.kubernetes.create_namespace:
            # Everything of Studio's lives in the namespace and waits for it (its name is an Output
            # of it), so waiting here orders all of Studio after what the foundation prepares (a
            # created cluster's load balancer controller and storage classes), and deletes it first.
            ready = list(foundation.ready)
            ns_opts = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=ready)) if ready else child
            self.namespace = create_namespace(f"{name}-namespace", config, ns_opts)
            namespace = self.namespace.metadata.name

        self.context = Context(
            config=config,
            namespace=namespace,
            namespace_name=ns_name,
            instance=loaded.instance,
            aws=foundation.aws,
        )

        self.secrets = StudioSecrets(f"{name}-secrets", self.context, loaded.secrets, child)
        # What the Studio components need is known from config, so the backing services are
        # built first and hand the components only addresses and Secret references.
        self.requirements = requirements(config)
        self.backing = BackingServices(f"{name}-backing", self.context, self.secrets, self.requirements, child)
        # Studio's pods roll when a value they read is rotated (studio-secrets, and so the
        # DATABASE_URL built from its password; the object storage's credentials) or a backup
        # was restored under them.
        studio_context = dataclasses.replace(
            self.context,
            secrets_checksum=self.secrets.digest(
                *(self.secrets.values[k] for k in sorted(self.secrets.values)), *self.backing.rollout_inputs
            ),
        )
        self.application = StudioApplication(
            f"{name}-app", studio_context, self.secrets, self.backing.database, self.backing.kafka, child
        )
        self.model_services = ModelServices(
            f"{name}-model-services",
            studio_context,
            kafka=self.backing.kafka,
            database=self.backing.database,
            storage=self.backing.object_storage,
            secret_name=self.secrets.name,
            secret=self.secrets.secret,
            opts=child,
        )
        self.assistant = None
        assistant = self.backing.assistant
        if assistant is not None:
            routes = self.application.routes
            # Besides what Studio's pods read, the assistant rolls with its own passwords: the
            # tracker role's and Kafka user's (rasa-credentials) and the lock store's.
            own: list[pulumi.Input[str]] = [
                *(assistant.lock_store.rollout_inputs if assistant.lock_store is not None else []),
                *([assistant.credentials] if assistant.credentials is not None else []),
            ]
            assistant_context = dataclasses.replace(
                self.context,
                secrets_checksum=self.secrets.digest(
                    *(self.secrets.values[k] for k in sorted(self.secrets.values)),
                    *self.backing.rollout_inputs,
                    *own,
                ),
            )
            self.assistant = Assistant(
                f"{name}-assistant",
                assistant_context,
                assistant,
                self.backing.object_storage,
                self.secrets.name,
                self.secrets.secret,
                gateway=routes.gateway if routes is not None else None,
                opts=child,
            )
        # Peak demand of every pod the deployment runs, and the model services' replica counts.
        self.capacity = deployment_capacity(config).as_dict()
        self.sizing = self.model_services.sizing_summary
        # Default deny plus the flows of the architecture, for every pod of the namespace.
        self.network = NetworkPolicies(f"{name}-network", self.context, child)

        self.url = config.studio.url
        self.entry_point = entry_point(config.studio)
        # The chart release whose container contract the Studio version gets (config/versions.py).
        self.contract = contract_for(config.studio.version).label
        self.register_outputs({"url": self.url, "entryPoint": self.entry_point, "namespace": ns_name})
