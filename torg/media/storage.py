"""Media storage helpers: every media file goes through Django's storage API, local disk by
default, S3-compatible object storage when ``TORG_S3_BUCKET`` is set (``storage_s3``,
docs/operations.md).

``local_copy`` and ``save_directory`` are the file-in/file-out boundary of the video pipeline
(PyAV needs local files); any storage works, and one offering ``download_to`` (S3) gets the fast
path. Ranged reads for serving are in ``torg.core.downloads``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from django.core.files import File
from django.core.files.storage import Storage, default_storage


def local_copy(name: str, target: Path, *, storage: Storage | None = None) -> Path:
    """Copy the stored file ``name`` to the local path ``target`` and return it. PyAV, Pillow's
    lazy readers and other tools need a real file; the caller removes it. A missing file raises
    FileNotFoundError (an OSError)."""
    storage = storage if storage is not None else default_storage
    download = getattr(storage, "download_to", None)
    if download is not None:
        download(name, target)
        return target
    with storage.open(name, "rb") as stored, target.open("wb") as local:
        shutil.copyfileobj(stored, local, 1024 * 1024)
    return target


def save_directory(
    directory: Path, names: Iterable[str], prefix: str, *, storage: Storage | None = None
) -> list[str]:
    """Store the local files ``directory/<name>`` as ``<prefix><name>`` (the same names: the
    prefix is fresh, so nothing is renamed). Returns the stored names."""
    storage = storage if storage is not None else default_storage
    stored: list[str] = []
    for name in names:
        with (directory / name).open("rb") as handle:
            saved = storage.save(prefix + name, File(handle))
        if saved != prefix + name:  # only if the prefix was not fresh: never serve a wrong file
            storage.delete(saved)
            raise FileExistsError(prefix + name)
        stored.append(saved)
    return stored
