"""ModelServices: the model service the Studio version ships, orchestrated or embedded."""

from __future__ import annotations

import pulumi

from config import sizing as sz

from ..context import Context
from ..interfaces import Database, Kafka, ObjectStorage
from .embedded import EmbeddedModelService
from .env import Inputs
from .orchestrated import OrchestratedModelServices


class ModelServices(pulumi.ComponentResource):
    """Trains and runs assistants for "try your assistant".

    Gets the backing services only through their interfaces; config/stack.py has already checked
    that the architecture matches the Studio version.
    """

    orchestrated: OrchestratedModelServices | None
    embedded: EmbeddedModelService | None
    sizing: sz.Sizing
    capacity: sz.Capacity

    def __init__(
        self,
        name: str,
        ctx: Context,
        *,
        kafka: Kafka | None,
        database: Database,
        storage: ObjectStorage,
        secret_name: str,
        secret: pulumi.Resource,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("rasa-studio:model_service:ModelServices", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        config = ctx.config.model_service
        inputs = Inputs(
            config=config,
            namespace=ctx.namespace_name,
            # /talk may have a host of its own (studio.ingress.paths.talk.host).
            public_url=ctx.config.studio.path_url("talk"),
            kafka=kafka,
            database=database,
            storage=storage,
            secret_name=secret_name,
            secret=secret,
        )
        self._config = config
        self.sizing = config.sizing
        self.capacity = config.capacity
        self.orchestrated = None
        self.embedded = None
        if config.architecture == "orchestrated":
            self.orchestrated = OrchestratedModelServices(f"{name}-orchestrated", ctx, inputs, child)
        else:
            self.embedded = EmbeddedModelService(f"{name}-embedded", ctx, inputs, child)
        self.register_outputs({"sizing": self.sizing_summary, "capacity": self.capacity.as_dict()})

    @property
    def sizing_summary(self) -> dict[str, int]:
        """Replica counts (orchestrated) or in-process limits (embedded), for the stack output."""
        if self.embedded is not None:
            trainings, bot_runs = self._config.embedded_limits
            return {"maxParallelTrainings": trainings, "maxParallelBotRuns": bot_runs}
        return self.sizing.as_dict()
