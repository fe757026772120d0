"""PostgreSQL: the per-kind names indexes hold only the names (weight A lexemes).

A person's document also carries the job title, department and skills (lower weights); with the
whole vector indexed, a prefix such as "tea" found 10,000 people through "team" in job titles,
and each was fetched and rechecked only to be dropped (15 ms per keystroke). ``ts_filter`` keeps
the name lexemes; suggestions query the same expression.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

KINDS = ("person", "group", "topic")


def forward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for kind in KINDS:
        schema_editor.execute(f"DROP INDEX IF EXISTS search_doc_names_{kind}")
        schema_editor.execute(
            f"CREATE INDEX search_doc_names_{kind} ON search_searchdocument "
            f"USING gin (ts_filter(vector, '{{a}}')) WHERE kind = '{kind}'"
        )


def backward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for kind in KINDS:
        schema_editor.execute(f"DROP INDEX IF EXISTS search_doc_names_{kind}")
        schema_editor.execute(
            f"CREATE INDEX search_doc_names_{kind} ON search_searchdocument "
            f"USING gin ((vector || ''::tsvector)) WHERE kind = '{kind}'"
        )


class Migration(migrations.Migration):
    dependencies = [("search", "0003_names_index_per_kind")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
