"""Every port the program opens, listens on or reaches, in one place (containers, Services, flows).

Ports inside the pods are the processes' own; a Service's port 80 arrives at its target port.
"""

from __future__ import annotations

# Studio application (charts/studio values.yaml): nginx, node, Keycloak.
WEB_CLIENT_PORT = 8080
BACKEND_PORT = 4000
KEYCLOAK_PORT = 8080
# The port every Studio Service exposes (ClusterIP 80, as the chart has it).
SERVICE_PORT = 80

# Model services: the orchestrated services (charts/studio 1.2.6), the /talk proxy
# (nginx-unprivileged), the embedded service (rasa subchart) and `rasa run` in a running Job.
MODEL_TRAINING_PORT = 8000
MODEL_RUNNING_PORT = 8001
TALK_PROXY_PORT = 8080
MODEL_SERVICE_PORT = 8000
RASA_PORT = 5005

# The assistant next to Studio: `rasa run` (RASA_PORT, as charts/rasa) and rasa-sdk's action server.
ACTION_SERVER_PORT = 5055

# Backing services in the cluster, and MSK's SASL/SCRAM-over-TLS listener.
POSTGRESQL_PORT = 5432
KAFKA_PORT = 9092
KAFKA_CONTROLLER_PORT = 9093
MSK_SASL_SCRAM_PORT = 9096
MINIO_PORT = 9000
# Redis (the assistant's lock store): in the cluster, on ElastiCache and by default elsewhere.
REDIS_PORT = 6379

# Outside the namespace.
DNS_PORT = 53
KUBERNETES_API_PORTS = (443, 6443)
HTTPS_PORT = 443
HTTP_PORT = 80
