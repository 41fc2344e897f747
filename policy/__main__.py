"""The rasa-studio policy pack: `pulumi preview --policy-pack policy`.

PolicyPack starts the analyzer's gRPC server, so it is constructed here only; the policies come
from policy.pack.build_policies(), which the tests exercise directly.
"""

import sys
from pathlib import Path

from pulumi_policy import EnforcementLevel, PolicyPack

# The CLI runs this file from inside policy/; the rules are imported as the `policy` package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from policy.pack import build_policies

PolicyPack(
    name="rasa-studio",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=build_policies(),
)
