"""Text of PDF, Word (DOCX) and plain-text attachments, for the index.

Limits keep a hostile or huge file from stalling the worker: files over ``MAX_FILE_BYTES`` are
skipped, at most ``MAX_PAGES`` PDF pages and ``MAX_CHARS`` characters are read, and reading
stops after ``MAX_SECONDS``. Any error gives "" (the file stays findable by its name).
"""

from __future__ import annotations

import io
import logging
import time
import zipfile
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torg.posts.models import Attachment

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_PAGES = 200
MAX_CHARS = 100_000
MAX_SECONDS = 10.0
# A DOCX is a zip: refuse archives whose document part unpacks to more than this.
MAX_DOCX_XML_BYTES = 50 * 1024 * 1024

PDF = "pdf"
DOCX = "docx"
TEXT = "text"
TEXT_SUFFIXES = (".txt", ".md", ".csv", ".log", ".text")


def kind_of(name: str, content_type: str) -> str | None:
    lower = name.lower()
    if lower.endswith(".pdf") or content_type == "application/pdf":
        return PDF
    if lower.endswith(".docx") or content_type == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ):
        return DOCX
    if lower.endswith(TEXT_SUFFIXES) or content_type.startswith("text/plain"):
        return TEXT
    return None


def _pdf_text(data: bytes, deadline: float) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    parts: list[str] = []
    length = 0
    for number, page in enumerate(reader.pages):
        if number >= MAX_PAGES or length >= MAX_CHARS or time.monotonic() > deadline:
            break
        text = page.extract_text() or ""
        parts.append(text)
        length += len(text)
    return "\n".join(parts)


def _docx_text(data: bytes, deadline: float) -> str:
    from docx import Document

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("word/document.xml")
        if info.file_size > MAX_DOCX_XML_BYTES:
            return ""
    document = Document(io.BytesIO(data))
    parts: list[str] = []
    length = 0
    for paragraph in document.paragraphs:
        if length >= MAX_CHARS or time.monotonic() > deadline:
            break
        parts.append(paragraph.text)
        length += len(paragraph.text)
    for table in document.tables:
        for row in table.rows:
            if length >= MAX_CHARS or time.monotonic() > deadline:
                break
            cells = " ".join(cell.text for cell in row.cells)
            parts.append(cells)
            length += len(cells)
    return "\n".join(parts)


def _plain_text(data: bytes) -> str:
    head = data[: MAX_CHARS * 4]
    if b"\x00" in head[:8192]:
        return ""
    return head.decode("utf-8", errors="replace")


def extract_from_bytes(data: bytes, name: str, content_type: str) -> str:
    """The text of a file's bytes, or "" when it has none we can read."""
    kind = kind_of(name, content_type)
    if kind is None or len(data) > MAX_FILE_BYTES:
        return ""
    deadline = time.monotonic() + MAX_SECONDS
    try:
        if kind == PDF:
            text = _pdf_text(data, deadline)
        elif kind == DOCX:
            text = _docx_text(data, deadline)
        else:
            text = _plain_text(data)
    except Exception:
        logger.info("could not read text of %s", name, exc_info=True)
        return ""
    return text.replace("\x00", " ")[:MAX_CHARS]


def extract_text(attachment: Attachment) -> str:
    if (
        attachment.size > MAX_FILE_BYTES
        or kind_of(attachment.name, attachment.content_type) is None
    ):
        return ""
    try:
        with attachment.file.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError:
        logger.info("attachment %s is missing its file", attachment.pk)
        return ""
    return extract_from_bytes(data, attachment.name, attachment.content_type)
