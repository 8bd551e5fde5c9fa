"""Which models and versions exist, so create can answer 404 like the API.

By default every well-formed `owner/name` and version id exists; a test can
close the catalog to a fixed set, or declare single models or versions unknown.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


def well_formed_model(model: str) -> bool:
    """True for `owner/name` with both parts plausible Replicate names."""
    owner, slash, name = model.partition("/")
    return bool(slash) and NAME.fullmatch(owner) is not None and NAME.fullmatch(name) is not None


class Catalog:
    """The models (and their versions) that create accepts.

    `models=None` (the default) accepts any well-formed model and version.
    A mapping closes the catalog to its keys; each value lists that model's
    versions, or is None for "any version". Destinations exist unless forgotten.
    """

    def __init__(self, models: Mapping[str, Iterable[str] | None] | None = None) -> None:
        self._lock = threading.Lock()
        self._known: dict[str, set[str] | None] | None = (
            None
            if models is None
            else {m: None if v is None else set(v) for m, v in models.items()}
        )
        self._unknown_models: set[str] = set()
        self._unknown_versions: set[tuple[str, str]] = set()

    def add(self, model: str, *versions: str) -> None:
        """Declare `model` known (with these versions, or any version if none given)."""
        with self._lock:
            self._unknown_models.discard(model)
            self._unknown_versions -= {(model, v) for v in versions}
            if self._known is not None:
                known = self._known.get(model, set())
                merged = None if not versions or known is None else known | set(versions)
                self._known[model] = merged

    def forget(self, model: str, version: str | None = None) -> None:
        """Declare `model` (or only its `version`) unknown: create answers 404."""
        with self._lock:
            if version is None:
                self._unknown_models.add(model)
            else:
                self._unknown_versions.add((model, version))

    def has_model(self, model: str) -> bool:
        with self._lock:
            if not well_formed_model(model) or model in self._unknown_models:
                return False
            return self._known is None or model in self._known

    def has_destination(self, model: str) -> bool:
        """Destinations need not be listed; only forgotten ones are missing."""
        with self._lock:
            return model not in self._unknown_models

    def has_version(self, model: str, version: str) -> bool:
        if not self.has_model(model) or VERSION.fullmatch(version) is None:
            return False
        with self._lock:
            if (model, version) in self._unknown_versions:
                return False
            versions = None if self._known is None else self._known[model]
            return versions is None or version in versions
