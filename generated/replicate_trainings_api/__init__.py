"""A client library for accessing Replicate trainings API"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .client import AuthenticatedClient, UnauthenticatedClient

__all__ = (
    "AuthenticatedClient",
    "UnauthenticatedClient",
)


def __getattr__(name: str) -> object:
    """The clients, loaded on first use: importing a module of this package stays cheap."""
    if name in __all__:
        from . import client

        return getattr(client, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
