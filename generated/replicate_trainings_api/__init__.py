"""A client library for accessing Replicate trainings API"""

from .client import AuthenticatedClient, UnauthenticatedClient

__all__ = (
    "AuthenticatedClient",
    "UnauthenticatedClient",
)
