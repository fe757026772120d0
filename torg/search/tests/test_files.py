"""Files: names and the text of real PDF, DOCX and plain-text attachments are searchable; broken
files never break indexing; a file's visibility is its post's."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from torg.posts.attachments import do_upload_attachment
from torg.search import results, selectors
from torg.search.extract import extract_from_bytes
from torg.search.models import SearchDocument
from torg.search.selectors import Filters, parse
from torg.search.tests.conftest import write

Kind = SearchDocument.Kind


def make_pdf(text: str) -> bytes:
    """A real one-page PDF whose content stream draws ``text`` (pypdf writes it)."""
    from pypdf import PdfWriter
    from pypdf.generic import (
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
    )

    writer = PdfWriter()
    page = writer.add_blank_page(width=300, height=200)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    stream = DecodedStreamObject()
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream.set_data(f"BT /F1 12 Tf 20 100 Td ({escaped}) Tj ET".encode("latin-1"))
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(text: str) -> bytes:
    from docx import Document

    document = Document()
    document.add_heading("Rapport", level=1)
    document.add_paragraph(text)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Tabellcelle"
    table.rows[0].cells[1].text = "Fjordkraft"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def upload(user: Any, name: str, data: bytes, content_type: str) -> int:
    attachment = do_upload_attachment(
        uploader=user, upload=SimpleUploadedFile(name, data, content_type=content_type)
    )
    return attachment.pk


def test_extract_pdf_docx_and_text() -> None:
    assert "Kvartalsrapport" in extract_from_bytes(
        make_pdf("Kvartalsrapport for vindkraft"), "r.pdf", "application/pdf"
    )
    docx = extract_from_bytes(
        make_docx("Budsjettet for sykehusprosjektet"),
        "r.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    assert "sykehusprosjektet" in docx and "Fjordkraft" in docx
    assert extract_from_bytes("Blåbærsyltetøy".encode(), "notes.txt", "text/plain") == (
        "Blåbærsyltetøy"
    )


def test_bad_files_give_no_text_and_no_error() -> None:
    assert extract_from_bytes(b"%PDF-1.4 garbage \x00\xff", "bad.pdf", "application/pdf") == ""
    assert extract_from_bytes(b"PK\x03\x04 not a zip", "bad.docx", "application/zip") == ""
    assert extract_from_bytes(b"\x00\x01\x02binary", "bin.txt", "text/plain") == ""
    assert extract_from_bytes(b"whatever", "image.png", "image/png") == ""


def test_attached_files_are_found_by_name_and_text(org: dict[str, Any]) -> None:
    owner, outsider, g = org["owner"], org["outsider"], org["g"]
    pdf = upload(owner, "vindkraft.pdf", make_pdf("Kvartalsrapport om havvind"), "application/pdf")
    docx = upload(
        owner,
        "plan.docx",
        make_docx("Sykehusprosjektet starter i mars"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    broken = upload(owner, "broken.pdf", b"%PDF-1.4 nonsense", "application/pdf")
    secret_pdf = upload(
        owner, "hemmelig.pdf", make_pdf("Kvartalsrapport om oppkjop"), "application/pdf"
    )
    open_post = write(owner, g["open"], "Vedlegg", attachment_ids=[pdf, docx, broken])
    write(owner, g["secret"], "Hemmelig vedlegg", attachment_ids=[secret_pdf])

    def files(actor: Any, text: str) -> set[int]:
        return set(selectors.ranked_ids(actor, parse(text), Kind.FILE))

    assert files(outsider, "havvind") == {pdf}
    assert files(outsider, "kvartalsrapporter") == {pdf}
    assert files(owner, "kvartalsrapport") == {pdf, secret_pdf}
    assert files(outsider, "sykehusprosjekt") == {docx}
    assert files(outsider, "fjordkraft") == {docx}
    assert files(outsider, "broken") == {broken}
    assert files(outsider, "vindkraft") == {pdf}
    hit = results.search(outsider, parse("havvind"), kind=Kind.FILE).sections[0].hits[0]
    assert "<mark>havvind</mark>" in str(hit.snippet_html)
    # The "has attachment" filter keeps posts with files.
    other = write(owner, g["open"], "Vedlegg uten fil")
    ids = selectors.ranked_ids(
        outsider, parse("vedlegg"), Kind.POST, filters=Filters(has_attachment=True)
    )
    assert ids == [open_post.pk] and other.pk not in ids
