"""``manage.py purge_deleted_posts``: remove posts deleted more than 30 days ago and uploads
never attached within a day. Run it daily (cron, systemd timer or the task worker)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from torg.posts.actions import do_purge_deleted_posts
from torg.posts.attachments import do_purge_unattached_uploads


class Command(BaseCommand):
    help = "Remove posts deleted more than 30 days ago, and abandoned uploads."

    def handle(self, *args: Any, **options: Any) -> None:
        posts = do_purge_deleted_posts()
        uploads = do_purge_unattached_uploads()
        self.stdout.write(f"Purged {posts} deleted posts and {uploads} abandoned uploads.")
