"""What every component needs to know about where it is deployed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
from pulumi_kubernetes.meta import v1 as meta

from config import StackConfig
from config.workloads import workload

from .foundation import AwsFoundation
from .labels import ComponentName, PodGroup, labels, pod_labels, pod_selector, selector_labels
from .workload import KeyedPodSettings


@dataclass(frozen=True)
class Context:
    config: StackConfig
    # The namespace as an Output of the Namespace resource, so every object waits for it.
    namespace: pulumi.Input[str]
    # The same name as plain text, for in-cluster DNS names built by pure functions.
    namespace_name: str
    instance: str
    # A keyed digest of the Secret values Studio's pods read (StudioSecrets.digest): their
    # `checksum/secrets`, so they roll when a value is rotated. Set once the Secrets exist.
    secrets_checksum: pulumi.Input[str] | None = None
    # Where the AWS-managed backing services go (components/foundation.py); None without any.
    aws: AwsFoundation | None = None

    def labels(self, component: ComponentName) -> dict[str, str]:
        return labels(component, self.instance)

    def selector(self, component: ComponentName) -> dict[str, str]:
        return selector_labels(component, self.instance)

    def pod_labels(self, group: PodGroup) -> dict[str, str]:
        """The labels of a pod group's pods (a component's, or a helper pod's of its own)."""
        return pod_labels(group, self.instance)

    def pod_selector(self, group: PodGroup) -> dict[str, str]:
        return pod_selector(group, self.instance)

    def metadata(
        self,
        name: pulumi.Input[str],
        component: ComponentName,
        annotations: Mapping[str, pulumi.Input[str]] | None = None,
    ) -> meta.ObjectMetaArgs:
        return meta.ObjectMetaArgs(
            name=name,
            namespace=self.namespace,
            labels=self.labels(component),
            annotations=dict(annotations) if annotations is not None else None,
        )

    def pod_settings(self, group: PodGroup) -> KeyedPodSettings:
        """The operator's pod settings of a pod group, at its key in config/workloads.py."""
        key = workload(group).key
        return KeyedPodSettings(key, self.config.pod_settings(key))

    def service_host(self, service: str) -> str:
        """In-cluster DNS name of a Service in the Studio namespace."""
        return f"{service}.{self.namespace_name}.svc.cluster.local"

    @property
    def protect(self) -> bool:
        return self.config.protect_data

    @property
    def final_snapshot(self) -> bool:
        """Databases leave a final snapshot when deleted: whenever data is protected, and always in
        prod, so even a deliberate teardown (docs/prod-safety.md) keeps the last state."""
        return self.config.protect_data or self.config.environment == "prod"
