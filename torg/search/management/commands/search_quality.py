"""Print precision@5 and MRR of the labelled query set (torg/search/quality.py).

The corpus is written (into a secret group of its own, which is the only place searched) and
indexed inside a transaction that is rolled back: the database is left as it was.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from torg.accounts.models import User
from torg.groups.actions import do_create_group
from torg.groups.models import Group
from torg.search import quality


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Measure search quality (precision@5 and MRR) on the labelled Norwegian/English set."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with transaction.atomic():
                author = User.objects.create_user(
                    "search-quality@example.invalid", None, name="Search Quality"
                )
                group = do_create_group(
                    actor=author, name="Search quality corpus", privacy=Group.Privacy.SECRET
                )
                keys = quality.seed(author, group.pk)
                report = quality.evaluate(author, keys, group_id=group.pk)
                raise _Rollback
        except _Rollback:
            pass
        for score in report.scores:
            mark = "" if score.reciprocal_rank == 1 else "  <-"
            self.stdout.write(
                f"{score.query:24} P@5 {score.precision_at_5:.2f}  RR {score.reciprocal_rank:.2f}"
                f"  top: {', '.join(score.top)}{mark}"
            )
        self.stdout.write(
            f"{len(report.scores)} queries, {len(quality.CORPUS)} posts: "
            f"precision@5 {report.precision_at_5:.3f}, MRR {report.mrr:.3f}"
        )
