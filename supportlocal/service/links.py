"""Presigned URLs for the multipart upload parts and attachment downloads.

At AWS these are HTTPS URLs on ``uploadv1.attachments.support.{region}.amazonaws.com`` and
``downloadv1.attachments.support.{region}.amazonaws.com`` (S4, UploadUrl and DownloadUrl). supportlocal
serves them itself on loopback (``http://127.0.0.1:<port>/_attachments/...``): plain HTTP, signed with
an HMAC of the path and the expiry, under a secret kept in the store. How long AWS's URLs live is not
public; supportlocal's live ``LIFETIME`` (one hour, an assumption) of service time.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

PREFIX = "/_attachments/"
LIFETIME = 3600.0


class Links:
    """Signs and checks the URLs under ``PREFIX``."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self.base_url = ""

    def sign(self, path: str, expires: float) -> str:
        """The URL of ``PREFIX + path`` that works until ``expires`` (epoch seconds)."""
        stamp = int(expires)
        return f"{self.base_url}{PREFIX}{path}?expires={stamp}&signature={self._signature(path, stamp)}"

    def check(self, url_path: str, now: float) -> str | None:
        """The signed path of a request (``PREFIX`` removed) when its signature holds and is not expired."""
        parts = urlsplit(url_path)
        query = parse_qs(parts.query)
        path = parts.path.removeprefix(PREFIX)
        try:
            stamp = int(query["expires"][0])
            signature = query["signature"][0]
        except (KeyError, ValueError):
            return None
        if stamp < now or not hmac.compare_digest(signature, self._signature(path, stamp)):
            return None
        return path

    def _signature(self, path: str, stamp: int) -> str:
        return hmac.new(self._secret, f"{path}\n{stamp}".encode(), hashlib.sha256).hexdigest()
