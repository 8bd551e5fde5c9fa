"""Contains some shared types for properties"""

import re
from collections.abc import Mapping, MutableMapping
from http import HTTPStatus
from typing import IO, BinaryIO, Generic, Literal, TypeVar

from attrs import define


class Unset:
    def __bool__(self) -> Literal[False]:
        return False


UNSET: Unset = Unset()

# The types that `httpx.Client(files=)` can accept, copied from that library.
FileContent = IO[bytes] | bytes | str
FileTypes = (
    # (filename, file (or bytes), content_type)
    tuple[str | None, FileContent, str | None]
    # (filename, file (or bytes), content_type, headers)
    | tuple[str | None, FileContent, str | None, Mapping[str, str]]
)
RequestFiles = list[tuple[str, FileTypes]]


@define
class File:
    """Contains information for file uploads"""

    payload: BinaryIO
    file_name: str | None = None
    mime_type: str | None = None

    def to_tuple(self) -> FileTypes:
        """Return a tuple representation that httpx will accept for multipart/form-data"""
        return self.file_name, self.payload, self.mime_type


T = TypeVar("T")


@define
class DetailedResponse(Generic[T]):
    """A response from an endpoint, as the *_detailed functions return it"""

    status_code: HTTPStatus
    content: bytes
    headers: MutableMapping[str, str]
    parsed: T | None


# One path segment: a letter or digit, then letters, digits, '.', '_' or '-'. That rules
# out '', '.', '..', '/', '?', '#', '%', ';' and spaces: no value can reach another
# endpoint, whatever a server or proxy decodes or normalises later.
_PATH_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def path_segment(name: str, value: object) -> str:
    """`value`, checked to be one safe path segment, for the path parameter `name`.

    Every operation's ``build_request_kwargs`` checks its path parameters with it, so a
    refused value raises before any request is built or sent: TypeError if it is not a
    string, ValueError (naming `name`) if it is not a letter or digit followed by letters,
    digits, '.', '_' or '-'.
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    if not _PATH_SEGMENT.fullmatch(value):
        raise ValueError(
            f"{name} must be a non-empty id of letters, digits, '.', '_' or '-', got {value!r}"
        )
    return value


__all__ = [
    "UNSET",
    "File",
    "FileTypes",
    "RequestFiles",
    "DetailedResponse",
    "Unset",
    "path_segment",
]
