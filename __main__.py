"""Rasa Studio on Kubernetes: validate the stack config, then build everything from it."""

import pulumi

import config
from components import day2, preflight
from components.existing_secrets import existing_secret_keys
from components.providers import for_stack
from components.studio import RasaStudio

loaded = config.load(preflight.problems, history=day2.problems)
foundation, providers = for_stack(loaded.config, loaded.instance, loaded.secrets.kubeconfig)
studio = RasaStudio("rasa-studio", loaded, foundation, pulumi.ResourceOptions(providers=providers))

pulumi.export("url", studio.url)
pulumi.export("entryPoint", studio.entry_point)
pulumi.export("namespace", loaded.config.kubernetes.namespace)
pulumi.export("sizing", studio.sizing)
pulumi.export("capacity", studio.capacity)
pulumi.export("contract", studio.contract)
# Read back by the next update (config/previous.py); the claims this one let go of, for the user.
pulumi.export("deployment", day2.as_output(loaded.config, loaded.instance))
pulumi.export("retainedVolumeClaims", day2.released_claims(loaded.config, loaded.previous))
# The Secrets this stack reads but does not create, and the keys each must hold.
if secret_keys := existing_secret_keys(loaded.config):
    pulumi.export("existingSecrets", secret_keys)
