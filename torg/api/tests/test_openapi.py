"""The OpenAPI schema is valid, documented, and every operation in it has a test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from openapi_spec_validator import validate

from torg.accounts.models import User

pytestmark = pytest.mark.django_db

TORG_DIR = Path(settings.BASE_DIR) / "torg"
# Pages of the API that are not operations of the schema.
NOT_OPERATIONS = {"/api/v1/openapi.json", "/api/v1/docs"}
REQUIRED = {"detail": "Authentication required"}


@pytest.fixture
def signed_in() -> Client:
    client = Client()
    client.force_login(User.objects.create_user("kari@example.com", "pw", name="Kari Nordmann"))
    return client


def schema_of(client: Client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def test_schema_is_valid_openapi(signed_in: Client) -> None:
    schema = schema_of(signed_in)

    validate(schema)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Torg API"
    assert schema["info"]["version"] == "1"


def test_schema_documents_both_ways_to_authenticate(signed_in: Client) -> None:
    schemes = schema_of(signed_in)["components"]["securitySchemes"]

    assert {scheme["type"] for scheme in schemes.values()} == {"http", "apiKey"}
    bearer = next(s for s in schemes.values() if s["type"] == "http")
    assert bearer["scheme"] == "bearer"


def test_every_operation_has_a_summary_and_a_tag(signed_in: Client) -> None:
    schema = schema_of(signed_in)
    missing = [
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if not operation.get("summary") or not operation.get("tags")
    ]
    assert missing == []


def test_docs_page_renders_for_a_signed_in_person(signed_in: Client) -> None:
    response = signed_in.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Torg API</title>" in html
    assert 'id="swagger-ui"' in html
    assert "/api/v1/openapi.json" in html


def test_docs_page_needs_no_internet_and_no_inline_script(signed_in: Client) -> None:
    """Companies run Torg on closed networks, and the CSP forbids inline scripts.

    Django Ninja serves Swagger UI from its own static files, without inline script, when
    "ninja" is in INSTALLED_APPS; otherwise it links a CDN and the page stays blank.
    """
    html = signed_in.get("/api/v1/docs").content.decode()

    assert re.findall(r"""(?:src|href)=["']https?://[^"']+""", html) == []
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
    assert inline_scripts == []


def test_unauthenticated_calls_get_401_with_a_json_detail() -> None:
    client = Client()
    schema = schema_of(client)
    answers = {}
    for path, item in schema["paths"].items():
        concrete = re.sub(r"{[^}]+}", "1", path)
        for method in item:
            response = getattr(client, method)(concrete, content_type="application/json")
            answers[f"{method.upper()} {path}"] = (response.status_code, response.json())

    assert answers, "the schema lists operations"
    wrong = {op: answer for op, answer in answers.items() if answer != (401, REQUIRED)}
    assert wrong == {}


def test_a_revoked_or_unknown_token_gets_401() -> None:
    response = Client().get("/api/v1/me", headers={"Authorization": "Bearer not-a-real-token"})

    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication required"}


# --- every endpoint has a test ----------------------------------------------------------------


def operations(schema: dict) -> list[tuple[str, str]]:
    return sorted(
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"} and path not in NOT_OPERATIONS
    )


def path_regex(template: str) -> re.Pattern[str]:
    """``/api/v1/groups/{slug}/join`` matches "/api/v1/groups/", f"/api/v1/groups/{x}/join"…

    A test may write the path literally, with an f-string placeholder or a %-format; what
    follows the path (a query string, the closing quote) does not matter.
    """
    parts = re.split(r"{[^}]+}", template)
    placeholder = r"(?:\{[^}]*\}|[^/\"'\s]+)"
    return re.compile(placeholder.join(re.escape(part) for part in parts) + r"(?![\w/-])")


CONSTANT = re.compile(r'^([A-Z][A-Z0-9_]*) = "(/[^"]*)"$', re.MULTILINE)


def text_of_all_tests() -> str:
    texts = []
    for test_file in sorted(TORG_DIR.glob("*/tests/**/test_*.py")):
        if test_file.name == Path(__file__).name:
            continue  # this file must not count as a test of every endpoint
        text = test_file.read_text()
        # Tests often name a base path once (BASE = "/api/v1/people") and write f"{BASE}/{pk}";
        # expand such module constants so those calls count too.
        for name, value in CONSTANT.findall(text):
            text = text.replace("{" + name + "}", value)
        texts.append(text)
    return "\n".join(texts)


def test_every_operation_is_exercised_by_some_test(signed_in: Client) -> None:
    tests = text_of_all_tests()
    untested = [
        f"{method} {path}"
        for method, path in operations(schema_of(signed_in))
        if not path_regex(path).search(tests)
    ]
    assert untested == []


def test_the_path_matcher_accepts_literal_and_formatted_paths() -> None:
    matcher = path_regex("/api/v1/groups/{slug}/join")

    assert matcher.search('client.post("/api/v1/groups/closed-group/join")')
    assert matcher.search('client.post(f"/api/v1/groups/{group.slug}/join")')
    assert matcher.search("client.post('/api/v1/groups/%s/join' % slug)")
    assert not matcher.search('client.post("/api/v1/groups/closed-group/joined")')
    assert not matcher.search('client.post("/api/v1/groups/a/b/join")')
    assert path_regex("/api/v1/me").search('client.get("/api/v1/me?x=1")')
    assert not path_regex("/api/v1/me").search('client.get("/api/v1/me/tokens")')
