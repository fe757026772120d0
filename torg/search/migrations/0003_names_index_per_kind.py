"""PostgreSQL: one small names index per suggested kind instead of one for all three.

With a single index for people, groups and topics, a suggestion for people ANDed it with the
index on ``kind`` (a bitmap of all 100,000 people) on every keystroke. With an index per kind
the name lookup alone finds the candidates. SQLite is unchanged (its names table is FTS5).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

KINDS = ("person", "group", "topic")


def forward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for kind in KINDS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS search_doc_names_{kind} ON search_searchdocument "
            f"USING gin ((vector || ''::tsvector)) WHERE kind = '{kind}'"
        )
    schema_editor.execute("DROP INDEX IF EXISTS search_doc_names")


def backward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS search_doc_names ON search_searchdocument "
        "USING gin ((vector || ''::tsvector)) WHERE kind IN ('person', 'group', 'topic')"
    )
    for kind in KINDS:
        schema_editor.execute(f"DROP INDEX IF EXISTS search_doc_names_{kind}")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_full_text")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
