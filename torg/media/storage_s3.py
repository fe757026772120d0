"""S3-compatible object storage for media (AWS S3, MinIO, Ceph RGW, …), chosen in settings when
``TORG_S3_BUCKET`` is set (docs/operations.md).

``PrivateS3Storage`` is django-storages' S3 backend kept private whatever the options say: no
ACL on objects (the bucket's default, private), no custom domain, no public URLs. Torg never hands
out storage URLs; it streams every file itself after checking access on that very request. Two
extra methods let it do so without reading whole objects:

- ``open_range(name, start, length)``: one ranged ``GetObject``, streamed (video seeking, HLS
  segments, resumed downloads), where S3File would first download the whole object;
- ``download_to(name, path)``: a multipart download to a local file (PyAV needs a real file).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

BLOCK = 256 * 1024
# Larger objects read through S3File spill to a temporary file instead of memory (the
# django-storages default, 0, keeps every object in memory however large).
MAX_MEMORY_SIZE = 8 * 1024 * 1024


def _not_found(error: ClientError) -> bool:
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    code = error.response.get("Error", {}).get("Code")
    return status == 404 or code in {"NoSuchKey", "404", "NotFound"}


class PrivateS3Storage(S3Storage):
    """django-storages' ``S3Storage``, private, with ranged reads and local downloads."""

    def __init__(self, **settings: Any) -> None:
        if settings.get("client_config") is None:
            settings["client_config"] = Config(
                s3={"addressing_style": settings.get("addressing_style")},
                signature_version=settings.get("signature_version") or "s3v4",
                # MinIO, Ceph and other S3-compatible servers do not all accept the checksum
                # headers newer boto3 sends by default; send them only where S3 requires them.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                retries={"mode": "standard", "max_attempts": 5},
            )
        settings.setdefault("max_memory_size", MAX_MEMORY_SIZE)
        super().__init__(**settings)
        # Private whatever the configuration says: objects get no ACL (the bucket's private
        # default), and a URL, if some library asks for one, is signed and short-lived.
        self.default_acl = None
        parameters: dict[str, Any] = getattr(self, "object_parameters", None) or {}
        self.object_parameters = {
            key: value
            for key, value in parameters.items()
            if key.lower() not in {"acl", "grantread", "grantreadacp", "grantfullcontrol"}
        }
        self.querystring_auth = True
        self.querystring_expire = min(int(getattr(self, "querystring_expire", 300) or 300), 300)
        self.custom_domain = None
        self.gzip = False
        # Never replace an existing object silently (the same as local disk).
        self.file_overwrite = False

    def _key(self, name: str) -> str:
        return str(self._normalize_name(clean_name(name)))

    def open_range(self, name: str, start: int, length: int) -> Iterator[bytes]:
        """The bytes ``start`` .. ``start + length - 1`` of ``name``, streamed in blocks. The
        request is made here (a missing object raises FileNotFoundError before any byte)."""
        if length <= 0:
            return iter(())
        try:
            answer = self.connection.meta.client.get_object(
                Bucket=self.bucket_name,
                Key=self._key(name),
                Range=f"bytes={start}-{start + length - 1}",
            )
        except ClientError as error:
            if _not_found(error):
                raise FileNotFoundError(name) from error
            raise
        return _blocks(answer["Body"])

    def download_to(self, name: str, target: Path) -> None:
        """Copy object ``name`` to the local file ``target`` (multipart, in parallel)."""
        try:
            self.bucket.Object(self._key(name)).download_file(
                str(target), Config=self.transfer_config
            )
        except ClientError as error:
            if _not_found(error):
                raise FileNotFoundError(name) from error
            raise


def _blocks(body: Any) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(BLOCK)
    finally:
        body.close()
