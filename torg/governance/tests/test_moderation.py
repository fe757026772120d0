from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client

from torg.governance import moderation
from torg.governance.models import AuditEvent, KeywordAlert, Report
from torg.posts import comment_actions
from torg.posts.access import PostNotFound, access_post
from torg.posts.models import Comment, Post

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(make_user, make_group, join, post_in, moderator, network_admin):
    """Group A (open) with an admin, a moderator, an author and a reader; group B elsewhere."""
    a_admin = make_user("Anna Admin")
    group_a = make_group("Alpha", by=a_admin)
    a_mod = make_user("Arne GroupMod")
    author = make_user("Otto Author")
    reader = make_user("Rita Reader")
    other_reader = make_user("Rolf Reader")
    for person in (author, reader, other_reader):
        join(group_a, person)
    join(group_a, a_mod, role="moderator")
    b_admin = make_user("Berit Admin")
    group_b = make_group("Beta", by=b_admin)
    secret_admin = make_user("Sara Secret")
    secret = make_group("Hush", privacy="secret", by=secret_admin)
    return {
        "a_admin": a_admin,
        "a_mod": a_mod,
        "author": author,
        "reader": reader,
        "other_reader": other_reader,
        "b_admin": b_admin,
        "group_a": group_a,
        "group_b": group_b,
        "secret": secret,
        "secret_admin": secret_admin,
        "post": post_in(group_a, author, "Buy cheap watches now"),
        "secret_post": post_in(secret, secret_admin, "Secret plans"),
        "moderator": moderator,
        "admin": network_admin,
    }


def test_report_records_snapshot_and_audit(scene):
    report = moderation.do_report(
        actor=scene["reader"], kind="post", target_id=scene["post"].pk, reason="spam", details="ad"
    )
    assert (report.group_id, report.author_id, report.snapshot, report.status) == (
        scene["group_a"].pk,
        scene["author"].pk,
        "Buy cheap watches now",
        "open",
    )
    event = AuditEvent.objects.get(action="moderation.report")
    assert (event.actor_id, event.target_kind, event.target_id) == (
        scene["reader"].pk,
        "post",
        scene["post"].pk,
    )


def test_hidden_and_missing_targets_answer_the_same_and_nothing_is_stored(scene):
    missing = Post.objects.order_by("-pk").first().pk + 100
    for target_id in (scene["secret_post"].pk, missing, "x", -1):
        with pytest.raises(Http404):
            moderation.do_report(
                actor=scene["reader"], kind="post", target_id=target_id, reason="spam"
            )
    with pytest.raises(Http404):
        moderation.do_report(actor=scene["reader"], kind="poll", target_id=1, reason="spam")
    assert Report.objects.count() == 0


def test_bad_reports_are_refused_with_a_message(scene):
    post = scene["post"]
    with pytest.raises(ValidationError, match="own writing"):
        moderation.do_report(actor=scene["author"], kind="post", target_id=post.pk, reason="spam")
    with pytest.raises(ValidationError, match="Choose a reason"):
        moderation.do_report(actor=scene["reader"], kind="post", target_id=post.pk, reason="x")
    with pytest.raises(ValidationError, match="Choose a reason"):
        moderation.do_report(
            actor=scene["reader"], kind="post", target_id=post.pk, reason="keyword"
        )
    moderation.do_report(actor=scene["reader"], kind="post", target_id=post.pk, reason="spam")
    with pytest.raises(ValidationError, match="already reported"):
        moderation.do_report(actor=scene["reader"], kind="post", target_id=post.pk, reason="spam")
    assert Report.objects.count() == 1


def _reports(scene):
    first = moderation.do_report(
        actor=scene["reader"], kind="post", target_id=scene["post"].pk, reason="spam"
    )
    second = moderation.do_report(
        actor=scene["other_reader"], kind="post", target_id=scene["post"].pk, reason="other"
    )
    return first, second


def test_hide_makes_the_post_disappear_like_a_deleted_one_and_tells_every_reporter(
    scene, django_capture_on_commit_callbacks
):
    first, second = _reports(scene)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        moderation.do_decide(actor=scene["moderator"], report=first, outcome="hide", note="Spam.")
    assert list(Report.objects.order_by("pk").values_list("status", "decided_by_id")) == [
        ("hidden", scene["moderator"].pk),
        ("hidden", scene["moderator"].pk),
    ]
    for viewer in (scene["author"], scene["reader"], scene["a_admin"]):
        with pytest.raises(PostNotFound):
            access_post(viewer, scene["post"].pk)
    assert Post.objects.get(pk=scene["post"].pk).body == "Buy cheap watches now"
    # Each reporter hears the outcome and the author that the post was hidden: one e-mail each,
    # through the notifications (bell first, e-mail as their preferences say).
    by_person = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_person) == sorted(
        [scene["reader"].email, scene["other_reader"].email, scene["author"].email]
    )
    assert len(mail.outbox) == 3
    for reporter in (scene["reader"], scene["other_reader"]):
        message = by_person[reporter.email]
        assert message.subject == "Your report was reviewed: the post was hidden"
        assert "Spam." in message.body
        assert "cheap watches" not in message.body
    assert by_person[scene["author"].email].subject == "A moderator hid your post"
    assert scene["moderator"].name not in by_person[scene["author"].email].body
    assert scene["reader"].name not in by_person[scene["author"].email].body
    event = AuditEvent.objects.get(action="moderation.hide")
    assert event.data == {"reports": [first.pk, second.pk]}
    assert event.group_id == scene["group_a"].pk


def test_warn_keeps_the_post_and_mails_author_and_reporter(
    scene, django_capture_on_commit_callbacks
):
    first, _second = _reports(scene)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        moderation.do_decide(actor=scene["a_admin"], report=first, outcome="warn")
    assert access_post(scene["reader"], scene["post"].pk).pk == scene["post"].pk
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted(
        [scene["reader"].email, scene["other_reader"].email, scene["author"].email]
    )
    warning = next(m for m in mail.outbox if m.to == [scene["author"].email])
    assert "warned" in warning.subject


def test_dismiss_keeps_the_post(scene):
    first, _second = _reports(scene)
    moderation.do_decide(actor=scene["a_mod"], report=first, outcome="dismiss")
    assert access_post(scene["reader"], scene["post"].pk)
    assert set(Report.objects.values_list("status", flat=True)) == {"dismissed"}
    with pytest.raises(ValidationError, match="already been handled"):
        moderation.do_decide(actor=scene["a_mod"], report=first, outcome="hide")


def test_removing_a_comment_hides_it_and_fixes_the_count(scene):
    comment = comment_actions.do_create_comment(
        actor=scene["author"], post=scene["post"], body="You idiot"
    )
    assert Post.objects.get(pk=scene["post"].pk).comment_count == 1
    report = moderation.do_report(
        actor=scene["reader"], kind="comment", target_id=comment.pk, reason="harassment"
    )
    assert report.group_id == scene["group_a"].pk
    moderation.do_decide(actor=scene["moderator"], report=report, outcome="remove")
    assert Comment.objects.get(pk=comment.pk).deleted_at is not None
    assert Post.objects.get(pk=scene["post"].pk).comment_count == 0
    with pytest.raises(Http404):
        comment_actions.access_comment(scene["author"], comment.pk)


def test_who_may_work_which_report(scene, make_user, post_in):
    in_a = moderation.do_report(
        actor=scene["reader"], kind="post", target_id=scene["post"].pk, reason="spam"
    )
    b_post = post_in(scene["group_b"], scene["b_admin"], "Beta news")
    in_b = moderation.do_report(
        actor=scene["reader"], kind="post", target_id=b_post.pk, reason="spam"
    )
    guest = make_user(is_guest=True)
    visible = {
        name: sorted(moderation.reports_for(person).values_list("pk", flat=True))
        for name, person in {
            "network admin": scene["admin"],
            "network moderator": scene["moderator"],
            "group A admin": scene["a_admin"],
            "group A moderator": scene["a_mod"],
            "group B admin": scene["b_admin"],
            "member": scene["reader"],
            "author": scene["author"],
            "guest": guest,
        }.items()
    }
    assert visible == {
        "network admin": [in_a.pk, in_b.pk],
        "network moderator": [in_a.pk, in_b.pk],
        "group A admin": [in_a.pk],
        "group A moderator": [in_a.pk],
        "group B admin": [in_b.pk],
        "member": [],
        "author": [],
        "guest": [],
    }
    for outsider in (scene["b_admin"], scene["reader"], scene["author"]):
        with pytest.raises(Http404):
            moderation.do_decide(actor=outsider, report=in_a, outcome="hide")
    assert Report.objects.get(pk=in_a.pk).status == "open"
    assert Post.objects.get(pk=scene["post"].pk).deleted_at is None


def test_keyword_alerts_flag_new_and_edited_posts_once(
    scene, post_in, django_capture_on_commit_callbacks
):
    from torg.posts import actions as post_actions

    def post_in(group, author, body):
        with django_capture_on_commit_callbacks(execute=True):
            return post_actions.do_create_post(author=author, group=group, body=body)

    def edit(post, body):
        with django_capture_on_commit_callbacks(execute=True):
            post_actions.do_edit_post(actor=scene["author"], post=post, body=body)

    moderation.do_add_keyword(actor=scene["moderator"], keyword="  Cheap   Watches ")
    assert list(KeywordAlert.objects.values_list("keyword", flat=True)) == ["cheap watches"]
    with pytest.raises(ValidationError):
        moderation.do_add_keyword(actor=scene["moderator"], keyword="cheap watches")
    with pytest.raises(PermissionDenied):
        moderation.do_add_keyword(actor=scene["a_admin"], keyword="other")
    flagged = post_in(scene["group_a"], scene["author"], "Get CHEAP watches today!")
    clean = post_in(scene["group_a"], scene["author"], "cheapwatches is one word")
    flags = list(Report.objects.values_list("target_id", "reporter_id", "reason", "details"))
    assert flags == [(flagged.pk, None, "keyword", "cheap watches")]
    edit(flagged, "cheap watches again")
    assert Report.objects.count() == 1
    edit(clean, "now cheap watches")
    assert sorted(Report.objects.values_list("target_id", flat=True)) == sorted(
        [flagged.pk, clean.pk]
    )
    # Flagged posts stay visible until a moderator decides.
    assert access_post(scene["reader"], flagged.pk)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_report_page_and_queue_pages(scene):
    post = scene["post"]
    reader = _client(scene["reader"])
    url = f"/governance/report/post/{post.pk}/"
    assert reader.get(url).status_code == 200
    assert reader.get(f"/governance/report/post/{scene['secret_post'].pk}/").status_code == 404
    assert reader.get("/governance/report/poll/1/").status_code == 404
    bad = reader.post(url, {"reason": "nonsense"})
    assert bad.status_code == 400
    assert "Choose a reason" in bad.content.decode()
    done = reader.post(url, {"reason": "spam", "details": "ads", "next": f"/posts/{post.pk}/"})
    assert done.status_code == 302 and done["Location"] == f"/posts/{post.pk}/"
    report = Report.objects.get()
    statuses = {
        name: _client(person).get("/governance/moderation/").status_code
        for name, person in {
            "moderator": scene["moderator"],
            "group admin": scene["a_admin"],
            "group B admin": scene["b_admin"],
            "reader": scene["reader"],
        }.items()
    }
    assert statuses == {"moderator": 200, "group admin": 200, "group B admin": 200, "reader": 404}
    assert _client(scene["b_admin"]).get(f"/governance/moderation/{report.pk}/").status_code == 404
    page = _client(scene["a_mod"]).get(f"/governance/moderation/{report.pk}/")
    assert "Buy cheap watches now" in page.content.decode()
    refused = _client(scene["b_admin"]).post(
        f"/governance/moderation/{report.pk}/decide/", {"outcome": "hide"}
    )
    assert refused.status_code == 404
    response = _client(scene["a_mod"]).post(
        f"/governance/moderation/{report.pk}/decide/", {"outcome": "hide"}
    )
    assert response.status_code == 302
    assert Report.objects.get().status == "hidden"


def test_nav_link_only_for_people_who_moderate(scene):
    assert "Moderation" in _client(scene["a_mod"]).get("/governance/nav/").content.decode()
    assert _client(scene["reader"]).get("/governance/nav/").content == b""
    home = _client(scene["admin"]).get("/").content.decode()
    assert 'href="/governance/"' in home


def test_chat_messages_can_be_reported_and_hidden(make_user, moderator):
    from torg.chat import actions as chat_actions
    from torg.chat.models import Message

    sender, receiver, stranger = make_user(), make_user(), make_user()
    conversation = chat_actions.do_start_direct(actor=sender, other_id=receiver.pk)
    message, _created = chat_actions.do_send_message(
        actor=sender, conversation=conversation, body="Rude words", client_id="c-1"
    )
    with pytest.raises(Http404):
        moderation.do_report(actor=stranger, kind="message", target_id=message.pk, reason="spam")
    report = moderation.do_report(
        actor=receiver, kind="message", target_id=message.pk, reason="harassment"
    )
    assert (report.group_id, report.author_id, report.snapshot) == (None, sender.pk, "Rude words")
    assert list(moderation.reports_for(moderator)) == [report]
    moderation.do_decide(actor=moderator, report=report, outcome="remove")
    assert Message.objects.get(pk=message.pk).deleted_at is not None
