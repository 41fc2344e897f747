"""Typed stack configuration: pydantic models, environment defaults, loading and validation."""

from .errors import ConfigError
from .loader import LoadedConfig, load, validate
from .stack import StackConfig

__all__ = ["ConfigError", "LoadedConfig", "StackConfig", "load", "validate"]
