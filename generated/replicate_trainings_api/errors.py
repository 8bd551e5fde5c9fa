"""Contains shared errors types that can be raised from API functions"""


class UnexpectedStatus(Exception):
    """Raised by api functions when the response status an undocumented status and Client.raise_on_unexpected_status is True"""

    def __init__(self, status_code: int, content: bytes):
        self.status_code = status_code
        self.content = content

        # The body stays in `.content`, out of the message: a server may echo the request's
        # Authorization header, and messages end up in logs and tracebacks.
        super().__init__(
            f"Unexpected status code: {status_code} (response body: {len(content)} bytes, in .content)"
        )


__all__ = ["UnexpectedStatus"]
