"""`modelService`: the services that train and run assistants for "try your assistant"."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from .errors import KeyError_
from .base import ImageRepository, ImageTag, Model, PositiveInt, version_tuple

Architecture = Literal["orchestrated", "embedded"]

# Rasa Pro versions the architectures can start (studio-architecture.txt; reference §3.6).
MIN_RASA_PRO_ORCHESTRATED = (3, 7, 0)
MIN_RASA_PRO_EMBEDDED = (3, 11, 0)


class RasaProImage(Model):
    repository: ImageRepository = "europe-west3-docker.pkg.dev/rasa-releases/rasa-pro/rasa-pro"
    tag: ImageTag

    @property
    def image(self) -> str:
        return f"{self.repository}:{self.tag}"


class ModelServiceConfig(Model):
    architecture: Architecture = "orchestrated"
    # How many assistants users will build and try in Studio.
    assistants: PositiveInt = 1
    # Frequent training keeps a second free running consumer per assistant.
    frequent_training: bool = False
    # Trainings that may run at the same time; more queue until a consumer is free.
    parallel_trainings: PositiveInt = 1
    rasa_pro: RasaProImage

    @model_validator(mode="after")
    def _rasa_pro_supports_architecture(self) -> ModelServiceConfig:
        minimum = MIN_RASA_PRO_EMBEDDED if self.architecture == "embedded" else MIN_RASA_PRO_ORCHESTRATED
        try:
            found = version_tuple(self.rasa_pro.tag)
        except ValueError as exc:
            raise KeyError_("rasaPro.tag", str(exc)) from None
        if found < minimum:
            raise KeyError_(
                "rasaPro.tag",
                f"the {self.architecture} architecture needs Rasa Pro "
                f">= {'.'.join(map(str, minimum))}, got {self.rasa_pro.tag}"
            )
        return self
