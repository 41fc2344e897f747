"""Descriptions for the generated configuration reference (tools/config_reference.py).

Keyed by dotted camelCase key path as in the stack files; for the keys of a `mode` section the
path has no mode (`kafka.brokers` describes the key under every mode that has it). A key missing
here falls back to the `#` comment above its field in config/*.py, then to Field(description=).
Extend this when you add a config field without a comment.
"""

from __future__ import annotations

SECTION_INTROS: dict[str, str] = {
    "cluster": "Deploy into a cluster that exists, or create the VPC, EKS cluster, nodes and add-ons first (docs/eks.md).",
    "kubernetes": "Where and how the Studio objects land in the cluster.",
    "studio": "The Studio application: web client, backend, database migration, Keycloak, event ingestion.",
    "modelService": 'The services that train and run assistants for "try your assistant".',
    "kafka": "The Kafka cluster Studio's event ingestion (and the orchestrated model services) use.",
    "database": "The PostgreSQL server holding the `studio`, `keycloak` (and `modelservice`) databases.",
    "objectStorage": "The bucket trained models are kept in.",
    "aws": "Account-side facts the AWS-managed backing services are placed into (staging, prod).",
    "passwordRotation": "Counters that rotate the generated passwords: raise one by 1 and `pulumi up` (docs/operations.md#rotating-passwords).",
}

_RESOURCES = "Container requests and limits; unset: the component's built-in sizing."

DESCRIPTIONS: dict[str, str] = {
    "environment": "Picks the defaults of config/defaults.py; components never branch on it.",
    # kubernetes
    "kubernetes.namespace": "Namespace of every Studio object.",
    "kubernetes.createNamespace": "Create the namespace (with the Pod Security labels of `kubernetes.podSecurity`); false: it must exist.",
    "kubernetes.kubeconfig": "Path to the kubeconfig (its contents go in the secret `kubeconfig`); neither set: `KUBECONFIG`, then `~/.kube/config`.",
    "kubernetes.deleteUnreachable": "Forget the objects of a cluster that no longer answers, so `pulumi destroy` finishes after the cluster is gone (pulumi-kubernetes `deleteUnreachable`). For throw-away clusters only: elsewhere an unreachable API server is an outage, not a reason to forget what runs there.",
    "kubernetes.patchForce": "Server-side apply takes back fields changed by hand (`kubectl scale`, `kubectl edit`) instead of stopping on the field-manager conflict; see docs/kubernetes-provider.md.",
    "kubernetes.version": "Kubernetes minor version of the cluster (`1.30` or newer).",
    "kubernetes.storageClasses.readWriteOnce": "Storage class of single-node volumes (databases, brokers); unset: the cluster default.",
    # studio
    "studio.host": "Host name Studio is served on (`/`, `/api`, `/auth`, `/talk`).",
    "studio.tls.enabled": "Serve https at the entry point; also makes browser-facing URLs https (the chart's `connectionType`).",
    "studio.tls.secretName": "Existing `kubernetes.io/tls` Secret with the certificate (Ingress: the Studio namespace; created Gateway: the Gateway's namespace).",
    "studio.tls.clusterIssuer": "cert-manager ClusterIssuer that issues the certificate (for a Gateway: cert-manager with Gateway API support enabled).",
    "studio.exposure": "`ingress`: Ingresses for `studio.ingress.profile`; `gateway`: Gateway API HTTPRoutes attached to `studio.gateway.parentRef`. See docs/exposure.md.",
    "studio.ingress.profile": "`nginx`: an nginx-compatible controller (websocket timeouts on `/talk` as annotations); `alb`: the AWS Load Balancer Controller (target type ip, ACM certificate, one ALB).",
    "studio.ingress.className": "IngressClass of the Studio Ingresses (the chart's `config.ingressClassName`); unset: `nginx` or `alb` by profile.",
    "studio.ingress.annotations": "Annotations on every Studio Ingress, on top of the profile's (the chart's `config.ingressAnnotations`).",
    "studio.ingress.paths.webClient": "The `/` Ingress (`studio`).",
    "studio.ingress.paths.backend": "The `/api` Ingress (`studio-api`).",
    "studio.ingress.paths.keycloak": "The `/auth` Ingress (`studio-auth`).",
    "studio.ingress.paths.talk": "The `/talk` Ingress (`studio-talk`); its annotations can override the profile's websocket timeouts.",
    "studio.ingress.paths.webClient.host": "Host of this path; unset: `studio.host`. Browser-facing URLs follow it.",
    "studio.ingress.paths.webClient.annotations": "Annotations of this path's Ingress, on top of the shared ones.",
    "studio.ingress.paths.backend.host": "Host of this path; unset: `studio.host`. Browser-facing URLs follow it.",
    "studio.ingress.paths.backend.annotations": "Annotations of this path's Ingress, on top of the shared ones.",
    "studio.ingress.paths.keycloak.host": "Host of this path; unset: `studio.host`. Browser-facing URLs follow it.",
    "studio.ingress.paths.keycloak.annotations": "Annotations of this path's Ingress, on top of the shared ones.",
    "studio.ingress.paths.talk.host": "Host of this path; unset: `studio.host`. Browser-facing URLs follow it.",
    "studio.ingress.paths.talk.annotations": "Annotations of this path's Ingress, on top of the shared ones.",
    "studio.ingress.alb.certificateArn": "ACM certificate of the ALB's HTTPS listener; required with `studio.tls.enabled`.",
    "studio.ingress.alb.groupName": "IngressGroup: the four Studio Ingresses share one ALB (other Ingresses of the group too).",
    "studio.ingress.alb.scheme": "`internet-facing` or `internal` ALB.",
    "studio.ingress.alb.idleTimeoutSeconds": "ALB idle timeout; the `/talk` websockets stay open while a user talks to an assistant (AWS: 1 to 4000).",
    "studio.ingress.alb.sslPolicy": "Security policy of the HTTPS listener.",
    "studio.gateway": "Gateway API settings; required with `exposure: gateway`.",
    "studio.gateway.parentRef.name": "Name of the Gateway the HTTPRoutes attach to.",
    "studio.gateway.parentRef.namespace": "Its namespace (its listener must admit routes from the Studio namespace).",
    "studio.gateway.parentRef.sectionName": "Listener of that Gateway; unset: every listener that admits the routes (a created Gateway's listener is named `https` or `http`).",
    "studio.gateway.create": "Create that Gateway (one listener for `studio.host`, routes from the Studio namespace only); null: it exists.",
    "studio.gateway.create.gatewayClassName": "GatewayClass of the created Gateway (`eg` for Envoy Gateway's quickstart).",
    "studio.gateway.controller": "Picks the `entryPeer` preset: `envoy-gateway` (proxies in `envoy-gateway-system`, labelled with the Gateway) or `generic` (proxies beside the Gateway with `gateway.networking.k8s.io/gateway-name`).",
    "studio.gateway.talkTimeout": "Request and backend timeout of the `/talk` route, a Gateway API duration such as `1h`.",
    "studio.gateway.controlPlaneNamespace": "With `controller: generic` and the Gateway in Studio's namespace (its proxies then run there): the namespace of the controller the proxies take their configuration from (`istio-system`, `nginx-gateway`); required then, refused otherwise. See docs/exposure.md.",
    "studio.entryPeer": "NetworkPolicy peer Studio's traffic enters from; unset: the preset of the profile (`nginx`: namespace `ingress-nginx`; Gateway: see `studio.gateway.controller`; `alb`: none, set `cidrs`).",
    "studio.entryPeer.namespace": "Namespace of the proxy pods.",
    "studio.entryPeer.podLabels": "Labels narrowing the proxy pods in that namespace.",
    "studio.entryPeer.cidrs": "Address ranges instead of pods: for the ALB (target type ip), the ranges of the ALB's own subnets, never the whole VPC (pods have VPC addresses too); a range wider than a /20 is refused.",
    "studio.version": "Studio image tag of every Studio container (`1.17.0-latest`, `1.15.2`; the chart's `tag`): a tag of docs/studio-versions.md's table, or a release of a minor it lists; quote it.",
    "studio.pullSecret": "Registry credentials; unset: Rasa's key for Rasa's registry, none for any other `studio.registry`; null: pull without credentials (Docker Hub).",
    "studio.pullSecret.name": "Name of the dockerconfigjson Secret the pods list in `imagePullSecrets`.",
    "studio.pullSecret.create": "Create it from the secret `registryPassword`; false: it must already exist.",
    "studio.pullSecret.server": "Registry host.",
    "studio.pullSecret.username": "Registry user (`_json_key` for a Google Artifact Registry JSON key).",
    "studio.backend.autoscaling.enabled": "HorizontalPodAutoscaler for the backend instead of fixed replicas.",
    "studio.backend.autoscaling.targetCpuUtilizationPercentage": "Average CPU utilisation the autoscaler keeps.",
    # modelService
    "modelService.architecture": "`orchestrated` for Studio < 1.10 (training/running services that start Rasa Pro Jobs), `embedded` for >= 1.10 (one Rasa Pro model service).",
    "modelService.rasaPro.repository": "Rasa Pro image that trains and runs the assistants; unset: `rasa-pro` beside the Studio images (Rasa's registry: its `rasa-pro/rasa-pro`).",
    "modelService.rasaPro.tag": "Rasa Pro image tag; unset: the one the chart release of `studio.version` shipped. Another must be listed for the Studio version in Rasa's compatibility matrix (>= 3.7.0 orchestrated, >= 3.11.0 embedded).",
    "modelService.rasaPro.acknowledgeOutsideMatrix": "Run a Rasa Pro tag the compatibility matrix does not list for `studio.version`, knowingly; refused when the pairing is listed.",
    # kafka
    "kafka.topics.partitions": "Partitions of the topics the stack creates.",
    "kafka.topics.replicationFactor": "Replication factor of those topics (at most the broker count).",
    "kafka.image": "Kafka image (KRaft mode).",
    "kafka.tag": "Image tag.",
    "kafka.brokers": "Brokers (in-cluster: StatefulSet replicas; external: `host:port` bootstrap addresses).",
    "kafka.storageSize": "Volume size per broker.",
    "kafka.resources": _RESOURCES,
    "kafka.kafkaVersion": "MSK Kafka version.",
    "kafka.instanceType": "MSK broker instance type.",
    "kafka.volumeSizeGib": "EBS volume per MSK broker, GiB.",
    "kafka.securityProtocol": "Protocol Studio and the assistant use to reach the brokers.",
    "kafka.saslMechanism": "SASL mechanism (with a SASL protocol).",
    "kafka.username": "SASL user.",
    "kafka.passwordSecret": "Existing Secret key holding the SASL password.",
    # database
    "database.username": "PostgreSQL user Studio connects as.",
    "database.image": "PostgreSQL image.",
    "database.tag": "Image tag.",
    "database.storageSize": "Volume size.",
    "database.resources": _RESOURCES,
    "database.engineVersion": "RDS PostgreSQL major (or major.minor) version.",
    "database.instanceClass": "RDS instance class.",
    "database.allocatedStorageGib": "Initial storage, GiB.",
    "database.maxAllocatedStorageGib": "Storage autoscaling ceiling, GiB.",
    "database.multiAz": "Standby in a second availability zone.",
    "database.backupRetentionDays": "Days of automated backups (point-in-time restore window).",
    "database.host": "Host name of the existing server.",
    "database.port": "Port of the existing server.",
    "database.passwordSecret": "Existing Secret key holding the user's password. Studio before 1.14 (charts up to 2.1.9) also reads `DATABASE_URL` (`postgresql://USER:PASSWORD@HOST:PORT/studio?sslmode=...`) from the same Secret: it must hold both keys. The `existingSecrets` output of `pulumi up` and the render lists the keys each Secret must hold.",
    "database.sslMode": "libpq `sslmode` for the connection.",
    # objectStorage
    "objectStorage.image": "MinIO image.",
    "objectStorage.tag": "Image tag.",
    "objectStorage.bucket": "Bucket name.",
    "objectStorage.storageSize": "Volume size.",
    "objectStorage.resources": _RESOURCES,
    "objectStorage.noncurrentVersionExpirationDays": "Days old model versions are kept (the bucket is versioned).",
    "objectStorage.endpoint": "S3 endpoint URL of an S3-compatible service; unset: AWS S3.",
    "objectStorage.region": "Bucket region.",
    # aws
    "aws": "Required when a backing service is AWS-managed (`msk`, `rds`, `s3`).",
    "aws.region": "AWS region of the cluster and the managed services.",
    "aws.vpcId": "VPC of the EKS cluster.",
    "aws.tags": "Tags on every AWS resource.",
}

for _component in ("webClient", "backend", "databaseMigration", "keycloak", "eventIngestion"):
    DESCRIPTIONS.setdefault(
        f"studio.{_component}.version", "Image tag override for this container; unset: `studio.version`."
    )
    DESCRIPTIONS.setdefault(f"studio.{_component}.replicas", "Replicas (more than 1 adds a PodDisruptionBudget).")

# Keys of shared value models, by `ModelClass.key`: used where the path has no entry above.
FIELD_DESCRIPTIONS: dict[str, str] = {
    "SecretKeyRef.name": "Name of an existing Secret in the Studio namespace.",
    "SecretKeyRef.key": "Key in that Secret.",
    "ResourceList.cpu": "CPU (`500m`, `2`); unset: the component's built-in value.",
    "ResourceList.memory": "Memory (`512Mi`, `4Gi`); unset: the component's built-in value.",
    "Autoscaling.minReplicas": "Fewest replicas the autoscaler keeps.",
    "Autoscaling.maxReplicas": "Most replicas the autoscaler starts.",
    "Component.resources": _RESOURCES,
}

SECRET_REQUIRED_WHEN: dict[str, str] = {
    "rasaProLicense": "yes",
    "registryPassword": "when `studio.pullSecret.create` (default)",
    "openaiApiKey": "when the assistants call OpenAI",
    "databasePassword": "no: generated once and kept",
    "keycloakAdminPassword": "with `studio.keycloak.external`; otherwise no: generated once and kept",
    "keycloakApiPassword": "with `studio.keycloak.external`; otherwise no: generated once and kept",
    "kafkaPassword": "no: generated once and kept",
}
