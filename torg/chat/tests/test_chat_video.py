"""Videos sent in chat: a real video (made with PyAV) uploaded through the chat API is
transcoded by the media pipeline in process, the conversation shows "Processing the video…"
then the player, the API carries the video's state and URLs, only the conversation's current
members get its files (everyone else the 404 of a video that does not exist), and deleting
the message deletes the files."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from torg.accounts.models import User
from torg.chat import actions, selectors
from torg.chat.models import Conversation, MessageFile
from torg.chat.tests.conftest import logged_in
from torg.media import actions as media_actions
from torg.media.models import Video, VideoCaption
from torg.media.tests.media_fixtures import make_video

pytestmark = pytest.mark.django_db

BASE = "/api/v1/chat"


def upload(client: Client, tmp_path: Path, name: str = "clip.mp4", **options: Any) -> Any:
    data = make_video(tmp_path / f"gen-{name}", **options).read_bytes()
    response = client.post(f"{BASE}/files", {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 201, response.content
    return response.json()


def send_files(client: Client, conversation: Conversation, file_ids: list[int]) -> Any:
    response = client.post(
        f"{BASE}/conversations/{conversation.pk}/messages",
        {"client_id": f"v{file_ids}", "body": "Look", "files": file_ids},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def history(client: Client, conversation: Conversation) -> list[Any]:
    response = client.get(f"{BASE}/conversations/{conversation.pk}/messages")
    assert response.status_code == 200
    return list(response.json()["messages"])


def video_urls(video: Video) -> list[str]:
    """Every URL of a ready video: files, each rendition's playlist and a segment, captions,
    the status fragment, the media API and the player's beacon."""
    base = f"/videos/{video.token}"
    urls = [f"{base}/files/{name}" for name in ("video.mp4", "poster.jpg", "master.m3u8")]
    for step in video.renditions:
        urls.append(f"{base}/files/{step}.m3u8")
        playlist = default_storage.open(f"{video.output_prefix}{step}.m3u8").read().decode()
        segment = next(line for line in playlist.splitlines() if line.endswith(".ts"))
        urls.append(f"{base}/files/{segment}")
    urls += [f"{base}/captions/{track['id']}.vtt" for track in video.tracks]
    urls += [f"{base}/status/", f"/api/v1/media/videos/{video.token}"]
    return urls


def add_captions(video: Video, uploader: User) -> None:
    # Chat videos have no captions page; captions added by other means are served alike.
    from django.core.files.base import ContentFile

    caption = VideoCaption(video=video, language="nb", label="Norsk")
    caption.file.save("t.vtt", ContentFile(b"WEBVTT\n\n00:00.000 --> 00:01.000\nHei\n"))
    Video.objects.filter(pk=video.pk).update(
        tracks=[{"id": caption.pk, "language": "nb", "label": "Norsk"}]
    )
    video.refresh_from_db()


def unmasked(html: bytes) -> bytes:
    """A page without its per-request CSRF token (masked anew on every response)."""
    return re.sub(rb"[A-Za-z0-9]{64}", b"", html)


def status_of(client: Client, url: str) -> int:
    response = client.get(url)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    return int(response.status_code)


@pytest.fixture
def trio(make_user: Callable[..., User]) -> dict[str, Any]:
    ann, bo, cy, outsider = make_user("Ann"), make_user("Bo"), make_user("Cy"), make_user("Out")
    conversation = actions.do_create_group_conversation(
        actor=ann, name="Trip", member_ids=[bo.pk, cy.pk]
    )
    return {"ann": ann, "bo": bo, "cy": cy, "outsider": outsider, "conversation": conversation}


def test_video_is_transcoded_and_plays_in_the_conversation(trio, tmp_path):
    ann = logged_in(trio["ann"])
    conversation = trio["conversation"]
    stored = upload(ann, tmp_path, width=320, height=240, seconds=1.0)
    assert stored["kind"] == "video"
    assert stored["content_type"] == "video/mp4"
    video = Video.objects.get(message_file_id=stored["id"])
    assert stored["video"]["token"] == video.token
    assert (stored["video"]["state"], stored["video"]["mp4_url"]) == ("processing", None)
    assert stored["video"]["status_url"] == f"/videos/{video.token}/status/"

    sent = send_files(ann, conversation, [stored["id"]])
    assert [f["kind"] for f in sent["files"]] == ["video"]
    assert sent["files"][0]["video"]["state"] == "processing"

    bo = logged_in(trio["bo"])
    listed = history(bo, conversation)[-1]["files"][0]
    assert (listed["video"]["state"], listed["video"]["poster_url"]) == ("processing", None)
    fragment = bo.get(listed["video"]["status_url"]).content.decode()
    assert "Processing the video" in fragment and "<video" not in fragment
    assert f'hx-get="/videos/{video.token}/status/"' in fragment  # polls until ready

    assert media_actions.do_transcode_video(video_id=video.pk) == "ready"

    listed = history(bo, conversation)[-1]["files"][0]
    assert listed["content_type"] == "video/mp4"  # the file is the clean MP4 now
    shown = listed["video"]
    assert shown["state"] == "ready"
    assert (shown["width"], shown["height"]) == (320, 240)
    assert shown["poster_url"] == f"/videos/{video.token}/files/poster.jpg"
    assert shown["hls_url"] == f"/videos/{video.token}/files/master.m3u8"
    assert shown["mp4_url"] == f"/videos/{video.token}/files/video.mp4"
    fragment = bo.get(shown["status_url"]).content.decode()
    assert fragment.count("<video") == 1 and "Processing the video" not in fragment
    player = fragment[fragment.index("<video") : fragment.index("</video>")]
    assert 'data-autoplay="off"' in player and 'preload="none"' in player  # waits for play
    assert f'poster="/videos/{video.token}/files/poster.jpg"' in player
    assert f'data-hls="/videos/{video.token}/files/master.m3u8"' in player
    assert f'src="/videos/{video.token}/files/video.mp4"' in player
    assert "Video: clip.mp4" in player
    assert "Statistics and captions" not in fragment

    video.refresh_from_db()
    for url in video_urls(video):
        assert status_of(bo, url) == 200, url
    mp4 = bo.get(shown["mp4_url"], HTTP_RANGE="bytes=0-99")
    assert (mp4.status_code, mp4["Content-Type"]) == (206, "video/mp4")
    assert b"".join(mp4.streaming_content)[4:8] == b"ftyp"
    beacon = bo.post(f"/api/v1/media/videos/{video.token}/views", {"key": "k" * 12, "watched": 1})
    assert beacon.status_code == 200


def test_only_current_members_get_the_video_files(trio, tmp_path):
    ann = logged_in(trio["ann"])
    conversation = trio["conversation"]
    stored = upload(ann, tmp_path)
    video = Video.objects.get(message_file_id=stored["id"])
    assert media_actions.do_transcode_video(video_id=video.pk) == "ready"
    add_captions(video, trio["ann"])

    # Not sent yet: only the uploader.
    urls = video_urls(video)
    bo = logged_in(trio["bo"])
    assert [status_of(ann, url) for url in urls] == [200] * len(urls)
    assert [status_of(bo, url) for url in urls] == [404] * len(urls)

    message = send_files(ann, conversation, [stored["id"]])
    assert [status_of(bo, url) for url in urls] == [200] * len(urls)

    outsider = logged_in(trio["outsider"])

    def nonexistent(client: Client, url: str) -> bytes:
        """What the same URL of a video that does not exist answers this person."""
        missing = client.get(url.replace(video.token, "x" * 32))
        assert missing.status_code == 404
        return unmasked(missing.content)

    for url in urls:
        response = outsider.get(url)
        assert response.status_code == 404, url
        assert unmasked(response.content) == nonexistent(outsider, url), url
    assert status_of(outsider, f"/chat/files/{message['files'][0]['id']}/") == 404
    beacon = outsider.post(f"/api/v1/media/videos/{video.token}/views", {"key": "k" * 12})
    assert beacon.status_code == 404

    # Removed from the conversation: the next request (a segment, a range) is refused.
    actions.do_remove_member(actor=trio["ann"], conversation=conversation, user_id=trio["bo"].pk)
    for url in urls:
        response = bo.get(url, HTTP_RANGE="bytes=0-10")
        assert response.status_code == 404, url
        assert unmasked(response.content) == nonexistent(bo, url), url
    assert [status_of(logged_in(trio["cy"]), url) for url in urls] == [200] * len(urls)
    assert Client().get(urls[0]).status_code == 302  # signed out: to the sign-in page


def test_deleting_the_message_deletes_the_video_files(
    trio, tmp_path, django_capture_on_commit_callbacks
):
    ann = logged_in(trio["ann"])
    conversation = trio["conversation"]
    stored = upload(ann, tmp_path)
    video = Video.objects.get(message_file_id=stored["id"])
    assert media_actions.do_transcode_video(video_id=video.pk) == "ready"
    add_captions(video, trio["ann"])
    message = send_files(ann, conversation, [stored["id"]])
    video.refresh_from_db()
    urls = video_urls(video)
    caption_name = VideoCaption.objects.get(video=video).file.name
    _dirs, outputs = default_storage.listdir(video.output_prefix.rstrip("/"))
    assert {"video.mp4", "poster.jpg", "master.m3u8"} <= set(outputs)
    assert default_storage.exists(caption_name)

    with django_capture_on_commit_callbacks(execute=True):
        deleted = ann.delete(f"{BASE}/messages/{message['id']}")
    assert (deleted.status_code, deleted.json()["files"]) == (200, [])

    assert not Video.objects.filter(pk=video.pk).exists()
    assert not MessageFile.objects.filter(pk=stored["id"]).exists()
    _dirs, left = default_storage.listdir(video.output_prefix.rstrip("/"))
    assert left == []
    assert not default_storage.exists(caption_name)
    for client in (ann, logged_in(trio["bo"])):
        assert [status_of(client, url) for url in urls] == [404] * len(urls)


def test_a_video_that_cannot_be_read_shows_the_error(trio, tmp_path):
    ann = logged_in(trio["ann"])
    stored = upload(ann, tmp_path)
    send_files(ann, trio["conversation"], [stored["id"]])
    video = Video.objects.get(message_file_id=stored["id"])
    default_storage.delete(MessageFile.objects.get(pk=stored["id"]).file.name)

    assert media_actions.do_transcode_video(video_id=video.pk) == "failed"

    shown = history(logged_in(trio["bo"]), trio["conversation"])[-1]["files"][0]["video"]
    assert shown["state"] == "failed"
    assert shown["error"] == "The uploaded file is missing. Upload the video again."
    assert shown["mp4_url"] is None
    fragment = logged_in(trio["bo"]).get(shown["status_url"]).content.decode()
    assert 'role="alert"' in fragment and "The uploaded file is missing" in fragment
    assert "hx-trigger" not in fragment  # no more polling


def test_other_files_stay_files_and_videos_cost_no_query_per_message(trio, tmp_path):
    ann = logged_in(trio["ann"])
    conversation = trio["conversation"]
    not_a_video = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200  # a video's magic, no video
    text = ann.post(f"{BASE}/files", {"file": SimpleUploadedFile("fake.mp4", not_a_video)})
    assert (text.status_code, text.json()["kind"], text.json()["video"]) == (201, "file", None)
    send_files(ann, conversation, [text.json()["id"]])
    send_files(ann, conversation, [upload(ann, tmp_path, "a.mp4")["id"]])

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            messages, _more = selectors.history(conversation, before=None, after=None, limit=50)
        assert all(f["video"] for m in messages for f in m["files"] if f["kind"] == "video")
        return len(queries)

    before = page_queries()
    for name in ("b.mp4", "c.mp4"):
        send_files(ann, conversation, [upload(ann, tmp_path, name)["id"]])
    assert page_queries() == before
    assert [len(m["files"]) for m in history(ann, conversation)] == [1, 1, 1, 1]


def test_a_video_belongs_to_exactly_one_attachment_or_message_file(trio):
    from django.db import IntegrityError, transaction

    from torg.posts.models import Attachment

    stored = MessageFile.objects.create(
        uploader=trio["ann"], kind="video", name="v.mp4", content_type="video/mp4", size=1
    )
    attachment = Attachment.objects.create(
        uploader=trio["ann"], kind="file", name="v.mp4", content_type="video/mp4", size=1
    )
    for owners in ({}, {"message_file": stored, "attachment": attachment}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Video.objects.create(**owners)
    assert Video.objects.create(message_file=stored).holder == stored
    assert Video.objects.create(attachment=attachment).holder == attachment
