"""Rasa Studio on Kubernetes: validate the stack config, then build everything from it."""

import pulumi

import config
from components import preflight
from components.providers import providers
from components.studio import RasaStudio

loaded = config.load(preflight.problems)
opts = pulumi.ResourceOptions(providers=providers(loaded.config, loaded.secrets.kubeconfig))
studio = RasaStudio("rasa-studio", loaded, opts)

pulumi.export("url", studio.url)
pulumi.export("entryPoint", studio.entry_point)
pulumi.export("namespace", loaded.config.kubernetes.namespace)
pulumi.export("sizing", studio.sizing)
pulumi.export("capacity", studio.capacity)
pulumi.export("contract", studio.contract)
