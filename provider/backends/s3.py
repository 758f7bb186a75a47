"""The DIY S3 backend (``s3://bucket[/prefix][?options]``), read and written with boto3.

The URL is read as Pulumi v3.274.1 opens it (pkg/backend/diy/backend.go): the path is a key prefix
inside the bucket (``blob.PrefixedBucket``), and ``translateLegacyS3Params`` turns the AWS SDK v1 style
``disableSSL`` into ``disable_https`` and gives a scheme-less ``endpoint`` the scheme ``http://`` (when
``disableSSL`` is true) or ``https://``. The other options are gocloud.dev v0.46's (blob/s3blob
``URLOpener`` and aws ``V2ConfigFromURLParams``), mapped here to boto3's equivalents:
``region``, ``profile``, ``endpoint``, ``s3ForcePathStyle``/``use_path_style``, ``disable_https``,
``anonymous``, ``role`` (assumed through STS), ``fips``, ``dualstack``, ``accelerate`` and
``hostname_immutable``. ``ssetype``, ``kmskeyid``, the checksum modes, ``rate_limiter_capacity`` and
``awssdk`` only shape writes or retries, so reading and deleting locks ignores them. Like gocloud.dev,
an unknown option is an error. Credentials come from boto3's usual chain, as the Go SDK's do for
``pulumi`` (the environment, then the shared files; a ``profile`` option wins over the environment in
both: aws-sdk-go-v2 config resolveCredentialChain, ``sharedProfileSet``).

S3 writes whole objects (PutObject), so a kill never leaves one half-written: there is no S3
counterpart of the file backend's truncated ``.attrs`` sidecars.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

from provider.backends.locks import StackLock, lock_folder

_IGNORED = frozenset(
    {
        "ssetype",
        "kmskeyid",
        "request_checksum_calculation",
        "response_checksum_validation",
        "rate_limiter_capacity",
        "awssdk",
    }
)
_FLAGS = frozenset(
    {
        "disableSSL",
        "disable_https",
        "s3ForcePathStyle",
        "use_path_style",
        "anonymous",
        "fips",
        "dualstack",
        "accelerate",
        "hostname_immutable",
    }
)
_VALUES = frozenset({"region", "profile", "endpoint", "role"})


class S3BackendError(ValueError):
    """The S3 backend URL cannot be read the way pulumi reads it."""


def _flag(options: dict[str, str], name: str) -> bool:
    value = options.get(name, "false").lower()
    if value in {"1", "t", "true"}:
        return True
    if value in {"0", "f", "false"}:
        return False  # the values Go's strconv.ParseBool accepts, lower-cased
    raise S3BackendError(f"invalid value for query parameter {name!r}: {value!r}")


@dataclass(frozen=True)
class S3Backend:
    """An S3 backend: its bucket, key prefix, and the boto3 client options its URL asks for."""

    bucket: str
    prefix: str
    options: dict[str, str]

    @classmethod
    def from_url(cls, url: str) -> S3Backend:
        parsed = urlparse(url)
        if not parsed.netloc:
            raise S3BackendError(f"no bucket in the S3 backend URL {url.partition('?')[0]!r}")
        # Go's url.Values.Get takes the first value; translateLegacyS3Params takes disableSSL's last.
        query = parse_qs(parsed.query, keep_blank_values=True)
        options = {name: values[-1] if name == "disableSSL" else values[0] for name, values in query.items()}
        unknown = sorted(set(options) - _IGNORED - _FLAGS - _VALUES)
        if unknown:
            raise S3BackendError(f"unknown query parameter {unknown[0]!r} in the S3 backend URL")
        for name in _FLAGS & set(options):
            _flag(options, name)
        prefix = parsed.path.strip("/")
        return cls(parsed.netloc, f"{prefix}/" if prefix else "", options)

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def endpoint_url(self) -> str | None:
        """The endpoint the URL names, with the scheme pulumi gives it; None for AWS's own."""
        endpoint = self.options.get("endpoint")
        if not endpoint:
            return None
        if "://" in endpoint:
            return endpoint  # pulumi then drops disableSSL
        plain = _flag(self.options, "disableSSL") or _flag(self.options, "disable_https")
        return f"{'http' if plain else 'https'}://{endpoint}"

    def client(self) -> Any:
        """A boto3 S3 client set up as the URL asks (boto3 imported only here)."""
        import boto3
        from botocore import UNSIGNED
        from botocore.config import Config

        options = self.options
        session = boto3.Session(profile_name=options.get("profile"), region_name=options.get("region"))
        path_style = any(
            _flag(self.options, name) for name in ("s3ForcePathStyle", "use_path_style", "hostname_immutable")
        )
        config = Config(
            s3={
                "addressing_style": "path" if path_style else "auto",
                "use_accelerate_endpoint": _flag(self.options, "accelerate"),
            },
            use_fips_endpoint=_flag(self.options, "fips"),
            use_dualstack_endpoint=_flag(self.options, "dualstack"),
            **({"signature_version": UNSIGNED} if _flag(self.options, "anonymous") else {}),
        )
        credentials: dict[str, str] = {}
        if role := self.options.get("role"):
            assumed = session.client("sts").assume_role(RoleArn=role, RoleSessionName="supportcases-recover")
            given = assumed["Credentials"]
            credentials = {
                "aws_access_key_id": given["AccessKeyId"],
                "aws_secret_access_key": given["SecretAccessKey"],
                "aws_session_token": given["SessionToken"],
            }
        return session.client(
            "s3",
            endpoint_url=self.endpoint_url(),
            use_ssl=not _flag(self.options, "disable_https"),
            config=config,
            **credentials,
        )

    def locks(self, project: str, stack: str) -> list[StackLock]:
        from botocore.exceptions import BotoCoreError, ClientError

        folder = f"{self.prefix}{lock_folder(project, stack)}/"
        try:
            client = self.client()
            pages = client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=folder, Delimiter="/"
            )  # one level, as pulumi's listBucket
            keys = sorted(item["Key"] for page in pages for item in page.get("Contents", []))
            found = [(key, _read(client, self.bucket, key)) for key in keys]
        except (BotoCoreError, ClientError) as error:
            raise S3BackendError(f"reading the locks in {self.describe()}: {error}") from error
        return [StackLock.parse(key, content) for key, content in found if content is not None]

    def remove(self, lock: StackLock) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client().delete_object(Bucket=self.bucket, Key=lock.key)
        except (BotoCoreError, ClientError) as error:
            raise S3BackendError(f"deleting s3://{self.bucket}/{lock.key}: {error}") from error

    def repair(self, project: str, stack: str) -> list[str]:
        return []  # nothing to repair: see the module docstring


def _read(client: Any, bucket: str, key: str) -> bytes | None:
    """The object's content, None when it was deleted since it was listed (that lock is gone)."""
    try:
        body: bytes = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    except client.exceptions.NoSuchKey:
        return None
    return body
