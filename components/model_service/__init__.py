"""The model services behind "try your assistant" (orchestrated or embedded)."""

from .service import ModelServices

__all__ = ["ModelServices"]
