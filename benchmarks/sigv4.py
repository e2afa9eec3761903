"""SigV4 for DynamoDB JSON requests, shaped like the AWS SDK's.

Signs content-type;host;x-amz-date;x-amz-target, the headers botocore signs for DynamoDB, with
fake credentials; the result matches botocore's signature byte for byte. Everything that does
not depend on the body or the clock is computed once: the signing key (per day), the
canonical-request and string-to-sign prefixes and the request head (per operation). Per
request: one SHA-256 of the body, one of the canonical request, one HMAC (all in OpenSSL).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

ACCESS_KEY = "AKIDDDBLITEBENCH"
SECRET_KEY = "ddblite-bench-fake-secret-key"
REGION = "us-east-1"
TARGET_PREFIX = "DynamoDB_20120810."
_SIGNED_HEADERS = "content-type;host;x-amz-date;x-amz-target"


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int

    @classmethod
    def from_url(cls, url: str) -> Endpoint:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"only http://host:port URLs are supported, got {url!r}")
        return cls(parts.hostname, parts.port or 80)

    @property
    def host_header(self) -> str:
        return self.host if self.port == 80 else f"{self.host}:{self.port}"


class Signer:
    """SigV4 for DynamoDB JSON requests; builds the whole request head."""

    def __init__(
        self,
        endpoint: Endpoint,
        region: str = REGION,
        access_key: str = ACCESS_KEY,
        secret_key: str = SECRET_KEY,
    ) -> None:
        self._host = endpoint.host_header
        self._region = region
        self._access_key = access_key
        self._secret = secret_key
        self._canon_prefix = (
            f"POST\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:{self._host}\nx-amz-date:"
        )
        self._heads: dict[str, tuple[str, str]] = {}
        self._second = -1
        self._amz_date = ""
        self._day = ""
        self._key = b""
        self._scope = ""
        self._sts_prefix = ""
        self._auth_prefix = ""

    def _roll_clock(self, now: float) -> None:
        second = int(now)
        self._second = second
        self._amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(second))
        day = self._amz_date[:8]
        if day != self._day:
            self._day = day
            k = hmac.digest(("AWS4" + self._secret).encode(), day.encode(), "sha256")
            k = hmac.digest(k, self._region.encode(), "sha256")
            k = hmac.digest(k, b"dynamodb", "sha256")
            self._key = hmac.digest(k, b"aws4_request", "sha256")
            self._scope = f"{day}/{self._region}/dynamodb/aws4_request"
            self._auth_prefix = (
                f"AWS4-HMAC-SHA256 Credential={self._access_key}/{self._scope}, "
                f"SignedHeaders={_SIGNED_HEADERS}, Signature="
            )
        self._sts_prefix = f"AWS4-HMAC-SHA256\n{self._amz_date}\n{self._scope}\n"

    def _templates(self, operation: str) -> tuple[str, str]:
        pair = self._heads.get(operation)
        if pair is None:
            target = TARGET_PREFIX + operation
            canon_mid = f"\nx-amz-target:{target}\n\n{_SIGNED_HEADERS}\n"
            head = (
                f"POST / HTTP/1.1\r\nHost: {self._host}\r\n"
                "Content-Type: application/x-amz-json-1.0\r\n"
                f"X-Amz-Target: {target}\r\nUser-Agent: ddblite-loadgen/1\r\nX-Amz-Date: "
            )
            pair = self._heads[operation] = (canon_mid, head)
        return pair

    def request(self, operation: str, body: bytes, now: float | None = None) -> bytes:
        """The complete HTTP request (head and body) for `operation` with JSON `body`."""
        if now is None:
            now = time.time()
        if int(now) != self._second:
            self._roll_clock(now)
        canon_mid, head = self._templates(operation)
        date = self._amz_date
        canonical = self._canon_prefix + date + canon_mid + hashlib.sha256(body).hexdigest()
        sts = self._sts_prefix + hashlib.sha256(canonical.encode()).hexdigest()
        signature = hmac.digest(self._key, sts.encode(), "sha256").hex()
        return (
            f"{head}{date}\r\nAuthorization: {self._auth_prefix}{signature}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
