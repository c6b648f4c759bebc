"""Stored files in S3-compatible object storage (``FILE_STORAGE=s3://bucket/prefix``).

Any S3 API works: AWS S3, MinIO, Ceph, Garage. ``S3_ENDPOINT_URL`` names a server other
than AWS; the credentials and region come the way the AWS SDK (boto3) reads them
everywhere: ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``,
``AWS_PROFILE``, an instance role. boto3 is the ``s3`` extra (``pip install
'trellis-crm[s3]'``), not a dependency of every install.

Keys are checked like every store's (:func:`trellis.data.files.check_key`) and live
under the prefix; each object carries its SHA-256 as metadata, so a listing needs no
download to say what a backup must hold, and asks for it only when it is read (removing
old uploads looks at names and times only: one request per thousand objects).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cached_property

from trellis.data.files import StoredFile, check_key

SCHEME = "s3://"
EXTRA = "pip install 'trellis-crm[s3]'"
# S3's bucket names: 3-63 lower-case letters, digits, dots and hyphens, a letter or digit at each end.
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def parse_location(value: str) -> tuple[str, str]:
    """``(bucket, prefix)`` of ``s3://bucket/prefix``; the prefix is ``""`` or ends in ``/``.

    ValueError when the bucket or the prefix is not a valid name.
    """
    bucket, _, prefix = value[len(SCHEME):].partition("/")
    if not _BUCKET.match(bucket):
        raise ValueError(f"'{bucket}' is not an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)")
    prefix = prefix.strip("/")
    if prefix:
        try:
            check_key(prefix)
        except ValueError:
            raise ValueError(f"'{prefix}' is not a valid S3 prefix (letters, digits, ._- and /)") from None
    return bucket, f"{prefix}/" if prefix else ""


def require_boto3():
    """The ``boto3`` module; ValueError naming the ``s3`` extra when it is not installed."""
    try:
        import boto3
    except ImportError:
        raise ValueError(f"S3 storage needs boto3, which is not installed: {EXTRA}") from None
    return boto3


class S3Files:
    """Files as objects in one bucket, under one prefix."""

    def __init__(self, client, bucket: str, prefix: str = ""):
        self.client, self.bucket, self.prefix = client, bucket, prefix

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, data: bytes) -> StoredFile:
        """Store ``data`` under ``key``, replacing what was there (S3 writes an object whole or not at all)."""
        digest = hashlib.sha256(data).hexdigest()
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data, Metadata={"sha256": digest})
        return StoredFile(key, len(data), digest, datetime.now(UTC))

    def get(self, key: str) -> bytes | None:
        """The file's bytes, or None when nothing is stored under ``key``."""
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except self.client.exceptions.NoSuchKey:
            return None
        return answer["Body"].read()

    def delete(self, key: str) -> None:
        """Remove the file (nothing happens when there is none)."""
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def listing(self, prefix: str = "") -> list[StoredFile]:
        """Every stored file whose key starts with ``prefix``, by key (objects with other names are left out)."""
        found = []
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix + prefix)
        for page in pages:
            for item in page.get("Contents", []):
                key = item["Key"][len(self.prefix):]
                try:
                    check_key(key)
                except ValueError:
                    continue
                found.append(ListedObject(key, item["Size"], item["LastModified"].astimezone(UTC),
                                          lambda key=key: self._sha256(key)))
        return sorted(found, key=lambda f: f.key)

    def _sha256(self, key: str) -> str:
        """The SHA-256 the object was stored with; hashed from its bytes when another program stored it."""
        head = self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        return head.get("Metadata", {}).get("sha256") or hashlib.sha256(self.get(key) or b"").hexdigest()


class ListedObject(StoredFile):
    """A listed object: a :class:`StoredFile` whose SHA-256 is asked of the storage when it is first read."""

    def __init__(self, key: str, size: int, updated_at: datetime, digest: Callable[[], str]):
        for name, value in (("key", key), ("size", size), ("updated_at", updated_at), ("_digest", digest)):
            object.__setattr__(self, name, value)     # StoredFile is frozen; sha256 stays unset until read

    @cached_property
    def sha256(self) -> str:
        """The object's SHA-256 (one HEAD request, the first time)."""
        return self._digest()


def s3_store(app, location: str) -> S3Files:
    """The :class:`S3Files` for ``location`` (``s3://bucket/prefix``), its client made once per app."""
    clients = app.extensions.setdefault("trellis.s3_clients", {})
    endpoint = app.config.get("S3_ENDPOINT_URL") or None
    client = clients.get(endpoint)
    if client is None:
        client = clients[endpoint] = require_boto3().client("s3", endpoint_url=endpoint)
    bucket, prefix = parse_location(location)
    return S3Files(client, bucket, prefix)
