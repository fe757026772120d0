"""Metadata parsing and image validation (no network)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from torg.links.images import InvalidImage, process_image
from torg.links.previews import PageMetadata, parse_metadata

from .conftest import OG_PAGE, PLAIN_PAGE, TWITTER_PAGE, png_bytes


def test_open_graph_wins_and_relative_urls_resolve() -> None:
    assert parse_metadata(OG_PAGE, url="https://acme.example/news/q3?x=1") == PageMetadata(
        title="Quarterly results & outlook",
        description="Revenue grew 12 %. New offices in Bergen.",
        image_url="https://acme.example/static/cover.png",
        site_name="Acme News",
        canonical_url="https://acme.example/news/q3",
    )


def test_twitter_card() -> None:
    assert parse_metadata(TWITTER_PAGE, url="https://www.jam.example/r/1") == PageMetadata(
        title="Blåbærsyltetøy på tur",
        description="Oppskrift for fjellet",
        image_url="https://cdn.example.net/jam.jpg",
        site_name="jam.example",
        canonical_url="",
    )


def test_plain_html() -> None:
    assert parse_metadata(PLAIN_PAGE, url="http://intranet.corp/") == PageMetadata(
        title="Just a title",
        description="Plain description",
        image_url="",
        site_name="intranet.corp",
        canonical_url="",
    )


def test_charset_from_header_and_from_meta() -> None:
    latin = "<title>Smørbrød</title>".encode("latin-1")
    assert parse_metadata(latin, url="http://a.example/", charset="iso-8859-1").title == "Smørbrød"
    meta = b'<meta charset="windows-1252"><title>' + "Smørbrød".encode("cp1252") + b"</title>"
    assert parse_metadata(meta, url="http://a.example/").title == "Smørbrød"
    assert parse_metadata(latin, url="http://a.example/", charset="no-such").title == "Sm�rbr�d"


def test_hostile_values_are_dropped_or_trimmed() -> None:
    page = (
        '<head><base href="https://cdn.example/assets/">'
        f'<meta property="og:title" content="{"A" * 400}">'
        '<meta property="og:image" content="javascript:alert(1)">'
        '<meta name="twitter:image" content="img/x.png">'
        '<meta property="og:description" content="line\x00one\u202e two">'
        '<link rel="canonical" href="data:text/html,hi">'
        "<title><script>alert(1)</script></title>"
    ).encode()
    metadata = parse_metadata(page, url="https://site.example/p")
    assert metadata.title == "A" * 299 + "…"
    assert metadata.image_url == "https://cdn.example/assets/img/x.png"
    assert metadata.description == "line one two"
    assert metadata.canonical_url == ""


def test_parsing_stops_at_the_body_and_at_512_kib() -> None:
    late = (
        b"<head>" + b"<!--" + b"x" * (600 * 1024) + b'--><meta property="og:title" content="Late">'
    )
    assert parse_metadata(late, url="http://a.example/").title == ""
    body_meta = b'<head></head><body><meta property="og:title" content="Body"></body>'
    assert parse_metadata(body_meta, url="http://a.example/").title == ""


def test_image_is_reencoded_and_scaled_to_1200_wide() -> None:
    image = process_image(png_bytes(2400, 1200))
    assert (image.content_type, image.extension, image.width, image.height) == (
        "image/jpeg",
        "jpg",
        1200,
        600,
    )
    assert Image.open(io.BytesIO(image.content)).format == "JPEG"


def test_transparent_image_stays_png() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (300, 200), (0, 0, 0, 0)).save(out, format="PNG")
    image = process_image(out.getvalue())
    assert (image.content_type, image.width, image.height) == ("image/png", 300, 200)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<svg onload=alert(1)>", "not a valid image: UnidentifiedImageError"),
        (png_bytes(8, 8), "image too small: 8×8"),
        (png_bytes(10_001, 16), "image too large: 10001×16"),
        (png_bytes(9000, 5000), "image has too many pixels: 9000×5000"),
        (png_bytes(100, 100)[:200], "not a valid image: OSError"),
    ],
)
def test_bad_images_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(InvalidImage) as invalid:
        process_image(data)
    assert str(invalid.value) == message
