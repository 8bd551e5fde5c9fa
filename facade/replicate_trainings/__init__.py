"""replicate_trainings: a client for the training operations of Replicate's HTTP API."""

from ._version import __version__

__all__ = ["__version__"]
