"""The full-text half of the index, by database vendor.

SQLite: an FTS5 table whose rowid is the document id, holding the terms ``torg.search.text``
makes (stems and plain forms), in two columns so names weigh more than text, and the document
kind (so the FTS index itself keeps a search to one kind); and ``search_fts_names`` with the
names of people, groups and topics, with prefix indexes, for suggestions.
PostgreSQL: a ``vector`` tsvector column (Norwegian, English and unaccented "simple" lexemes;
names weighted A) with a GIN index, and the ``unaccent`` extension.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "kind, title, body, tokenize = 'unicode61 remove_diacritics 0')",
    # Names of people, groups and topics only, with prefix indexes: suggestions while typing
    # must not walk the posting lists of every post that contains a word with that prefix.
    "CREATE VIRTUAL TABLE search_fts_names USING fts5("
    "title, tokenize = 'unicode61 remove_diacritics 0', prefix = '1 2 3')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS search_fts", "DROP TABLE IF EXISTS search_fts_names"]

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    # unaccent() is only STABLE; an immutable wrapper with a fixed dictionary can be used in
    # expressions the planner may fold.
    "CREATE OR REPLACE FUNCTION torg_unaccent(text) RETURNS text "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
    "AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$",
    # Lower case without accents except on æ, ø and å (what torg.search.text.fold does), so
    # the Norwegian and English stemmers see "kafeen" for "kaféen" as Python does.
    "CREATE OR REPLACE FUNCTION torg_fold(text) RETURNS text "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
    "AS $$ SELECT translate(lower($1), "
    "'áàâäãāăąçćčďéèêëēėęěíìîïīįłńñňóòôöõōőŕřśšşťúùûüūůűųýÿźżž', "
    "'aaaaaaaacccdeeeeeeeeiiiiiilnnnooooooorrssstuuuuuuuuyyzzz') $$",
    # The lexemes of a document: Norwegian and English stems of the folded words and the
    # unaccented words ("simple"); names weighted A, text D. ASCII punctuation becomes a space
    # first, so "rapport.pdf" and "kari@example.com" are words as they are in Python.
    "CREATE OR REPLACE FUNCTION torg_vector(title text, body text) RETURNS tsvector "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE "
    "AS $$ SELECT "
    "setweight(to_tsvector('norwegian', torg_fold(t)) || to_tsvector('english', torg_fold(t)) "
    "|| to_tsvector('simple', torg_unaccent(t)), 'A') || "
    "setweight(to_tsvector('norwegian', torg_fold(b)) || to_tsvector('english', torg_fold(b)) "
    "|| to_tsvector('simple', torg_unaccent(b)), 'D') "
    "FROM (SELECT regexp_replace(coalesce($1, ''), '[[:punct:]]+', ' ', 'g') AS t, "
    "regexp_replace(coalesce($2, ''), '[[:punct:]]+', ' ', 'g') AS b) AS words $$",
    "ALTER TABLE search_searchdocument ADD COLUMN vector tsvector",
    "CREATE INDEX search_doc_vector ON search_searchdocument USING gin (vector)",
    # Suggestions search names of people, groups and topics by prefix: a small index of its own,
    # so a prefix does not walk the posting lists of millions of posts and comments. Its
    # expression (vector || '') differs from the big index's, so only name queries, written
    # with the same expression, can use it (and the planner cannot pick the big one for them).
    "CREATE INDEX search_doc_names ON search_searchdocument USING gin ((vector || ''::tsvector)) "
    "WHERE kind IN ('person', 'group', 'topic')",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_doc_names",
    "DROP INDEX IF EXISTS search_doc_vector",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS vector",
    "DROP FUNCTION IF EXISTS torg_unaccent(text)",
    "DROP FUNCTION IF EXISTS torg_vector(text, text)",
    "DROP FUNCTION IF EXISTS torg_fold(text)",
]


def forward(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def backward(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_search_document")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
