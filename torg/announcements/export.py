"""The CSV export of an announcement's read receipts (the page and the API share it)."""

from __future__ import annotations

import csv

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from torg.announcements import selectors
from torg.announcements.models import Announcement

# A cell starting with one of these is a formula to spreadsheet programs: quote it.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def receipts_csv(announcement: Announcement) -> HttpResponse:
    """Everyone the announcement is for, by name: name, e-mail, department, read at.

    Times are ISO 8601 in the viewer's time zone; an empty time means not read yet.
    """
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="announcement-{announcement.post_id}-receipts.csv"'
    )
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerow([_("Name"), _("E-mail"), _("Department"), _("Acknowledged at")])
    people = selectors.receipt_people(announcement).iterator(chunk_size=1000)
    for row in selectors.receipt_rows(people):
        when = (
            timezone.localtime(row.acknowledged_at).isoformat(timespec="seconds")
            if row.acknowledged_at is not None
            else ""
        )
        writer.writerow([_cell(row.name), _cell(row.email), _cell(row.department), when])
    return response
