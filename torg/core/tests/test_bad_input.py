"""No malformed request may cause a server error.

The sweep discovers every URL pattern of ``torg.urls`` at run time (so pages added later are
covered without touching this file), fills path converters with hostile values, and sends GETs and
POSTs full of garbage as an anonymous visitor, an employee, a guest and a network admin. The REST
API is swept from its own OpenAPI schema with malformed JSON, wrong types and huge numbers.
A response with status >= 500, or an exception escaping a view, fails the test; the failure
message lists every offending request.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter, PathConverter, SlugConverter, UUIDConverter

from torg.accounts.models import ApiToken, User
from torg.api.auth import hash_token
from torg.groups.models import Group, GroupInvitation, JoinRequest, Membership
from torg.people.models import Department, Location

pytestmark = pytest.mark.django_db

SKIPPED_PREFIXES = ("admin/", "static/", "media/", "jsi18n/", "api/")
BACKEND = "django.contrib.auth.backends.ModelBackend"
HUGE_INT = str(2**63)
LONG = "x" * 20_000

HOSTILE_PATH_VALUES: dict[type, list[str]] = {
    IntConverter: ["0", "-1", HUGE_INT, "999999999"],
    SlugConverter: ["does-not-exist", "a" * 300, "%00", "ünïcode"],
    UUIDConverter: ["00000000-0000-0000-0000-000000000000", "not-a-uuid"],
    PathConverter: ["../../etc/passwd", "%00", "a" * 300],
}
HOSTILE_STR_VALUES = ["../../etc/passwd", "<script>", "' OR 1=1 --", "a" * 300, "%00"]

# Field names many forms use; the sweep adds every name it finds in the page's own forms.
COMMON_FIELDS = [
    "name", "email", "username", "password", "new_password1", "new_password2", "old_password",
    "password1", "password2", "message", "description", "slug", "privacy", "kind", "parent",
    "role", "user", "user_id", "email_addresses", "department", "location", "manager", "skills",
    "languages", "time_zone", "language", "bio", "phone", "job_title", "title", "organisation",
    "q", "next", "token", "is_guest", "groups", "group", "page", "start", "end", "year",
]  # fmt: skip
WRONG_TYPE_VALUES = ["abc", "-1", "1.5", "[]", "99999999999999999999999", "\x00", "",
                     "2024-13-45", "on", "true"]  # fmt: skip
NAME_ATTRIBUTE = re.compile(r"""<(?:input|select|textarea)\b[^>]*\bname=["']([^"']+)["']""")
CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass
class Seed:
    employee: User
    guest: User
    admin: User
    other: User
    open_group: Group
    closed_group: Group
    secret_group: Group
    join_request: JoinRequest
    employee_token_secret: str
    guest_token_secret: str
    ids: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def seed() -> Seed:
    department = Department.objects.create(name="Consulting", slug="consulting")
    location = Location.objects.create(name="Oslo", slug="oslo", country="NO")
    admin = User.objects.create_user(
        "admin@example.com", "pw-admin-123", name="Ada Admin", is_staff=True
    )
    employee = User.objects.create_user(
        "kari@example.com",
        "pw-kari-123",
        name="Kari Nordmann",
        department=department,
        location=location,
        manager=admin,
    )
    other = User.objects.create_user("ola@example.com", "pw-ola-123", name="Ola Hansen")
    guest = User.objects.create_user(
        "gina@partner.example", "pw-gina-123", name="Gina Gjest", is_guest=True
    )
    open_group = Group.objects.create(name="Open", slug="open-group", privacy="open")
    closed_group = Group.objects.create(name="Closed", slug="closed-group", privacy="closed")
    secret_group = Group.objects.create(name="Secret", slug="secret-group", privacy="secret")
    for group, person, role in [
        (open_group, employee, "admin"),
        (open_group, other, "member"),
        (closed_group, employee, "admin"),
        (closed_group, guest, "member"),
        (secret_group, admin, "admin"),
    ]:
        Membership.objects.create(group=group, user=person, role=role)
    for group in (open_group, closed_group, secret_group):
        group.member_count = group.memberships.count()
        group.save(update_fields=["member_count"])
    join_request = JoinRequest.objects.create(group=closed_group, user=other, message="Hi")
    GroupInvitation.objects.create(group=secret_group, user=guest, invited_by=admin)
    employee_secret, guest_secret = (
        "torg_employee_secret_0123456789",
        "torg_guest_secret_0123456789",
    )
    for person, secret in ((employee, employee_secret), (guest, guest_secret)):
        ApiToken.objects.create(
            user=person, name="sweep", prefix=secret[:8], token_hash=hash_token(secret)
        )
    token = ApiToken.objects.filter(user=employee).get()
    return Seed(
        employee=employee,
        guest=guest,
        admin=admin,
        other=other,
        open_group=open_group,
        closed_group=closed_group,
        secret_group=secret_group,
        join_request=join_request,
        employee_token_secret=employee_secret,
        guest_token_secret=guest_secret,
        ids={
            "user_id": other.pk,
            "token_id": token.pk,
            "request_id": join_request.pk,
            "experience_id": 1,
            "rule_id": 1,
        },
    )


# --- discovering the URL patterns ------------------------------------------------------------


@dataclass
class Route:
    template: str  # e.g. "groups/<slug:slug>/members/<int:user_id>/remove/"
    converters: dict[str, Any]

    def fill(self, values: dict[str, str]) -> str:
        def replace(match: re.Match[str]) -> str:
            return quote(values[match["name"]], safe="/%")

        return "/" + CONVERTER.sub(replace, self.template)


def discover_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(patterns: list[Any], prefix: str, converters: dict[str, Any]) -> None:
        for entry in patterns:
            pattern = entry.pattern
            text = str(pattern)
            if hasattr(pattern, "regex") and not hasattr(pattern, "_route"):
                # A regex pattern (re_path): usable only when it has no groups to fill.
                if "(" in text:
                    continue
                text = text.lstrip("^").rstrip("$").replace("\\", "")
            route = prefix + text
            found = {**converters, **getattr(pattern, "converters", {})}
            if route.startswith(SKIPPED_PREFIXES):
                continue
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route, found)
            elif isinstance(entry, URLPattern):
                routes.append(Route(route, found))

    walk(get_resolver().url_patterns, "", {})
    unique = {route.template: route for route in routes}  # an API path may serve two methods
    return [unique[template] for template in sorted(unique)]


def plausible_value(name: str, converter: Any, seed: Seed) -> str:
    """A value that reaches the view: a real object of the seeded data where one fits."""
    if isinstance(converter, SlugConverter) or name == "slug":
        return seed.closed_group.slug
    if isinstance(converter, IntConverter) or name.endswith("_id"):
        return str(seed.ids.get(name, seed.employee.pk))
    if isinstance(converter, UUIDConverter):
        return "00000000-0000-0000-0000-000000000000"
    return "does-not-exist"


def hostile_values(converter: Any) -> list[str]:
    for kind, values in HOSTILE_PATH_VALUES.items():
        if isinstance(converter, kind):
            return values
    return HOSTILE_STR_VALUES


def paths_for(route: Route, seed: Seed) -> tuple[str, list[str]]:
    """The plausible path, and paths with one parameter at a time made hostile."""
    plausible = {
        name: plausible_value(name, converter, seed) for name, converter in route.converters.items()
    }
    hostile = []
    for name, converter in route.converters.items():
        for value in hostile_values(converter):
            hostile.append(route.fill({**plausible, name: value}))
    return route.fill(plausible), hostile


# --- sending garbage ---------------------------------------------------------------------------


@dataclass
class Sweep:
    client: Client
    who: str
    person: User | None
    failures: list[str] = field(default_factory=list)
    requests: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def sign_in_again(self) -> None:
        # Fetch again: a request may have signed the person out everywhere (new session token).
        if self.person is not None:
            self.client.force_login(User.objects.get(pk=self.person.pk), backend=BACKEND)

    def send(self, method: str, path: str, label: str, **kwargs: Any) -> str:
        self.requests += 1
        started = time.perf_counter()
        try:
            # A savepoint per request: a view that breaks the transaction cannot poison the rest.
            with transaction.atomic():
                response = getattr(self.client, method)(path, **kwargs)
        except Exception as error:  # every escaped exception is a finding
            self.failures.append(f"{self.who} {method.upper()} {path[:120]} [{label}]: {error!r}")
            return ""
        finally:
            key = f"{method.upper()} {path[:60]}"
            self.seconds[key] = self.seconds.get(key, 0.0) + time.perf_counter() - started
        if response.status_code >= 500:
            self.failures.append(
                f"{self.who} {method.upper()} {path[:120]} [{label}]: {response.status_code}"
            )
        if response.get("Content-Type", "").startswith("text/html"):
            return response.content.decode(errors="replace")
        return ""


def form_bodies(field_names: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    names = sorted(set(field_names) | set(COMMON_FIELDS) - {"csrfmiddlewaretoken"})
    yield "empty form", {}
    yield "very long strings", {"data": {name: LONG for name in names}}
    # Every field a number too big for a 64-bit column: the classic overflow on SQLite.
    yield "huge numbers", {"data": {name: HUGE_INT for name in names}}
    # Two mixes of wrong types, unknown ids and repeated values, spread over every field.
    half = (len(WRONG_TYPE_VALUES) + 1) // 2
    for values in (WRONG_TYPE_VALUES[:half], [*WRONG_TYPE_VALUES[half:], "999999999"]):
        data: dict[str, Any] = {name: values[i % len(values)] for i, name in enumerate(names)}
        data["role"] = ["admin", "owner", ""]
        yield f"wrong types {values!r}", {"data": data}
    yield (
        "garbage files",
        {
            "data": {
                name: SimpleUploadedFile(f"{name}.png", b"GIF89a\x00\xff not an image")
                for name in ("avatar", "picture", "image", "file", *field_names)
            }
        },
    )
    yield (
        "binary body",
        {"data": bytes(range(256)) * 8, "content_type": "application/octet-stream"},
    )


def hostile_queries(field_names: list[str]) -> Iterator[str]:
    names = sorted(set(field_names) | set(COMMON_FIELDS) | {"page", "sort", "limit", "offset"})
    yield urlencode({name: (HUGE_INT, "-1")[i % 2] for i, name in enumerate(names)})
    yield urlencode({name: "\x00<script>" + "x" * 3000 for name in names})


def sweep_site(sweep: Sweep, seed: Seed) -> None:
    for route in discover_routes():
        plausible, hostile = paths_for(route, seed)
        sweep.sign_in_again()
        page = sweep.send("get", plausible, "plausible")
        field_names = sorted(set(NAME_ATTRIBUTE.findall(page)))
        for query in hostile_queries(field_names):
            sweep.send("get", f"{plausible}?{query}", "hostile query")
        for label, kwargs in form_bodies(field_names):
            sweep.send("post", plausible, label, **kwargs)
            sweep.sign_in_again()
        for path in hostile:
            sweep.send("get", path, "hostile path")
            sweep.send("post", path, "hostile path, form", data={"name": LONG, "user": HUGE_INT})
            sweep.sign_in_again()


@pytest.mark.parametrize("who", ["anonymous", "employee", "guest", "network admin"])
def test_no_page_answers_garbage_with_a_server_error(who: str, seed: Seed) -> None:
    person = {
        "anonymous": None,
        "employee": seed.employee,
        "guest": seed.guest,
        "network admin": seed.admin,
    }[who]
    sweep = Sweep(Client(raise_request_exception=True), who, person)

    sweep_site(sweep, seed)

    slowest = sorted(sweep.seconds.items(), key=lambda item: -item[1])[:12]
    print("\n".join(f"{seconds:6.2f}s {key}" for key, seconds in slowest))

    assert sweep.requests > 100  # the sweep found the site's pages
    assert sweep.failures == [], "\n".join(sweep.failures)


def test_the_sweep_discovers_pages_at_run_time() -> None:
    templates = {route.template for route in discover_routes()}
    # A few pages of the foundation; anything added later is discovered the same way.
    assert {"", "login/", "people/", "groups/", "groups/<slug:slug>/"} <= templates
    assert not any(t.startswith(SKIPPED_PREFIXES) for t in templates)


# --- the REST API, from its own schema -------------------------------------------------------


def api_operations(client: Client) -> list[tuple[str, str, dict[str, Any]]]:
    schema = client.get("/api/v1/openapi.json").json()
    operations = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                operations.append((method, path, operation))
    return operations


def resolve_schema(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def body_properties(operation: dict[str, Any], root: dict[str, Any]) -> list[str]:
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if not schema:
        return []
    return sorted(resolve_schema(schema, root).get("properties", {}))


def api_path_values(operation: dict[str, Any], seed: Seed) -> tuple[dict[str, str], list[dict]]:
    plausible: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "path":
            continue
        name = parameter["name"]
        kinds[name] = parameter.get("schema", {}).get("type", "string")
        plausible[name] = (
            seed.closed_group.slug if name == "slug" else str(seed.ids.get(name, seed.other.pk))
        )
    hostile_sets = []
    for name, kind in kinds.items():
        values = (
            ["0", "-1", HUGE_INT, "999999999", "abc", "1.5"]
            if kind == "integer"
            else ["does-not-exist", "a" * 300, "%00", "<script>", "' OR 1=1 --", "ünïcode"]
        )
        hostile_sets.extend({**plausible, name: value} for value in values)
    return plausible, hostile_sets


def fill_api_path(template: str, values: dict[str, str]) -> str:
    return re.sub(r"{(\w+)}", lambda m: quote(values[m[1]], safe="%"), template)


RAW_BODIES = ["", "{", "null", "[]", "123", '"text"', '{"a": }', "\xff\xfe", "{}" * 1000]


def typed_bodies(properties: list[str]) -> Iterator[str]:
    if not properties:
        return
    wrong_values = [
        '{"nested": {"deep": 1}}', "[1, [2]]", "1e400", str(2**64), "-1", "true", "null",
        json.dumps("x" * 100_000), json.dumps("\u0000"), '"abc"', "0",
    ]  # fmt: skip
    for value in wrong_values:
        yield "{" + ", ".join(f'"{name}": {value}' for name in properties) + "}"
    yield json.dumps({name: 999999999 for name in properties})


def sweep_api(sweep: Sweep, seed: Seed, headers: dict[str, str]) -> None:
    reader = Client()
    reader.force_login(seed.employee, backend=BACKEND)
    schema = reader.get("/api/v1/openapi.json").json()
    for method, template, operation in api_operations(reader):
        plausible, hostile_sets = api_path_values(operation, seed)
        path = fill_api_path(template, plausible)
        query_names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        send = {"headers": headers}
        for query in hostile_queries(query_names):
            sweep.send(method, f"{path}?{query}", "hostile query", **send)
        if method != "get":
            for body in [*RAW_BODIES, *typed_bodies(body_properties(operation, schema))]:
                sweep.send(
                    method, path, f"body {body[:40]!r}",
                    data=body, content_type="application/json", **send,
                )  # fmt: skip
            sweep.send(method, path, "form body", data={"name": LONG}, **send)
        for values in hostile_sets:
            sweep.send(method, fill_api_path(template, values), "hostile path", **send)


@pytest.mark.parametrize("who", ["anonymous", "employee", "guest"])
def test_no_api_endpoint_answers_garbage_with_a_server_error(who: str, seed: Seed) -> None:
    secret = {
        "anonymous": "",
        "employee": seed.employee_token_secret,
        "guest": seed.guest_token_secret,
    }[who]
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    sweep = Sweep(Client(raise_request_exception=True), who, None)

    sweep_api(sweep, seed, headers)

    assert sweep.requests > 50
    assert sweep.failures == [], "\n".join(sweep.failures)


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer ",
        "Bearer " + "x" * 10_000,
        "Bearer \x00",
        "Basic dXNlcjpwYXNz",
        "bearer torg_employee_secret_0123456789 extra",
        "Token abc",
    ],
)
def test_malformed_authorization_headers_get_401(authorization: str, seed: Seed) -> None:
    response = Client().get("/api/v1/me", headers={"Authorization": authorization})

    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication required"}
