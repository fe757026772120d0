"""The search index: one ``SearchDocument`` per searchable thing.

A document holds only what is searched and shown (text, names, dates, ids). It never decides who
may see it: queries join it to the current posts, comments, groups and memberships (see
``torg.search.backends``). The full-text part lives beside it and is vendor-specific, created by
migration 0002: an FTS5 table ``search_fts`` on SQLite (rowid = document id), a ``vector``
tsvector column with a GIN index on PostgreSQL.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    class Kind(models.TextChoices):
        POST = "post", _("Posts")
        COMMENT = "comment", _("Comments")
        PERSON = "person", _("People")
        GROUP = "group", _("Groups")
        FILE = "file", _("Files")
        TOPIC = "topic", _("Topics")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    # The id of the post, comment, user, group, attachment or hashtag.
    object_id = models.BigIntegerField()
    # The post whose visibility governs this document (posts, comments, files).
    post_id = models.BigIntegerField(null=True, blank=True)
    comment_id = models.BigIntegerField(null=True, blank=True)
    group_id = models.BigIntegerField(null=True, blank=True)
    author_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    title = models.CharField(max_length=255, blank=True)
    body = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="one_document_per_object")
        ]
        indexes = [
            models.Index(fields=["post_id"], name="search_doc_post"),
            models.Index(fields=["kind", "-created_at"], name="search_doc_kind_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
