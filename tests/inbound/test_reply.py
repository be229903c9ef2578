"""Reply by email: a member answers a notification and the reply is posted as them, through
the forum's own service and rules."""

from __future__ import annotations

import time

from django.core import mail
from django.urls import reverse

import pytest

from forum.models import Post
from inbound import services, tokens
from inbound.models import InboundMessage
from inbound.pipeline import receive
from tests.factories import PostFactory, UserFactory
from tests.inbound.conftest import build_mail, fixture_mail

pytestmark = pytest.mark.django_db


def address(user, topic) -> str:
    return services.reply_address_for(user=user, topic=topic)


def replies(topic):
    return Post.objects.filter(topic=topic).exclude(pk=topic.first_post_id)


def test_reply_address_is_short_lowercase_and_off_without_a_domain(ann, topic, settings):
    value = address(ann, topic)
    local, _, domain = value.partition("@")
    assert domain == "in.community.test"
    assert local.startswith("reply+") and len(local) <= 64 and local == local.lower()
    settings.INBOUND_EMAIL_DOMAIN = ""
    assert services.reply_address_for(user=ann, topic=topic) is None


def test_reply_is_posted_once_even_when_received_twice(ann, topic):
    raw = build_mail(to=address(ann, topic), body="Thanks, that fixed it.")
    first = receive(raw, source="test")
    second = receive(raw, source="imap")
    assert first.status == "taken", first.reason
    assert second.status == "duplicate"
    assert second.message.pk == first.message.pk
    posts = list(replies(topic))
    assert len(posts) == 1
    assert posts[0].author == ann and posts[0].via == Post.Via.EMAIL
    assert posts[0].source == "Thanks, that fixed it."
    assert first.message.post == posts[0] and first.message.kind == "reply"
    assert InboundMessage.objects.count() == 1


def test_reply_confirmation_is_mailed_and_marked_automatic(ann, topic, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = receive(build_mail(to=address(ann, topic), message_id="<m1@example.org>"), source="test")
    assert outcome.status == "taken"
    sent = [m for m in mail.outbox if m.to == ["ann@example.org"]]
    assert len(sent) == 1, [m.subject for m in mail.outbox]  # the topic's author is notified too
    sent = sent[0]
    assert "Posted" in sent.subject
    assert sent.extra_headers["Auto-Submitted"] == "auto-replied"
    assert sent.extra_headers["In-Reply-To"] == "<m1@example.org>"


@pytest.mark.parametrize("sample", ["gmail.eml", "outlook.eml", "apple_mail.eml", "thunderbird.eml"])
def test_quoted_text_and_signature_are_stripped(ann, topic, sample):
    outcome = receive(fixture_mail(sample, address(ann, topic)), source="test")
    assert outcome.status == "taken", outcome.reason
    post = replies(topic).get()
    assert post.source.startswith("Thanks, the reset link arrived after I checked the spam folder.")
    for quoted in (
        "Sam replied",
        "spam folder first",
        "wrote:",
        "From: Acme",
        "Head of Accounts",
        "Sent from",
    ):
        assert quoted not in post.source, (sample, post.source)
    assert "Outlook for iOS" not in post.source


def test_hostile_html_only_mail_is_neutralised(ann, topic):
    outcome = receive(fixture_mail("hostile_html.eml", address(ann, topic)), source="test")
    assert outcome.status == "taken", outcome.reason
    post = replies(topic).get()
    html = post.html.lower()
    for bad in ("<script", "onerror", "onclick", 'href="javascript:', "<iframe", "<img"):
        assert bad not in html, html
    # The javascript: link is not a link any more: at most its harmless, escaped text is left.
    assert html.count("<a ") == 1
    assert "this works" in html and "<strong>now</strong>" in html
    assert 'href="https://example.org/ok"' in html


def test_forged_token_is_refused_with_a_bounce(ann, topic, django_capture_on_commit_callbacks):
    good = address(ann, topic)
    local, _, domain = good.partition("@")
    forged = f"{local[:-1]}{'a' if local[-1] != 'a' else 'b'}@{domain}"
    with django_capture_on_commit_callbacks(execute=True):
        outcome = receive(build_mail(to=forged), source="test")
    assert outcome.status == "refused"
    assert "not one we made" in outcome.reason
    assert not replies(topic).exists()
    assert len(mail.outbox) == 1 and "Not posted" in mail.outbox[0].subject


def test_token_for_another_topic_cannot_be_made_by_editing_it(ann, topic, help_category):
    token = tokens.token_from_address(address(ann, topic))
    value, _, signature = token.rpartition(".")
    user, topic_id, version, issued = value.split(".")
    edited = f"{user}.{int(topic_id, 36) + 1:x}.{version}.{issued}.{signature}"
    with pytest.raises(tokens.InvalidToken):
        tokens.read_token(edited)


def test_expired_token_is_refused(ann, topic, settings):
    settings.INBOUND_REPLY_MAX_AGE_DAYS = 30
    old = tokens.make_token(user_id=ann.pk, topic_id=topic.pk, version=0, now=time.time() - 31 * 86400)
    outcome = receive(build_mail(to=tokens.reply_address(old)), source="test")
    assert outcome.status == "refused" and "expired" in outcome.reason
    assert not replies(topic).exists()


def test_revoked_token_is_refused(ann, topic):
    before = address(ann, topic)
    services.reply_addresses_revoke(user=ann)
    outcome = receive(build_mail(to=before), source="test")
    assert outcome.status == "refused" and "revoked" in outcome.reason
    after = receive(build_mail(to=address(ann, topic)), source="test")
    assert after.status == "taken", after.reason


def test_revoke_from_the_settings_page_needs_a_signed_in_member(client, ann, topic):
    url = reverse("inbound:revoke")
    response = client.post(url)
    assert response.status_code == 302 and "login" in response["Location"]
    assert services.reply_key_version(ann) == 0
    client.force_login(ann)
    page = client.get(reverse("notifications:preferences"))
    assert "Revoke my reply addresses" in page.content.decode()
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    assert services.reply_key_version(ann) == 1


@pytest.mark.parametrize(
    "owner, field, value, reason",
    [
        ("member", "is_banned", True, "suspended"),
        ("topic", "is_locked", True, "locked"),
        ("topic", "is_hidden", True, "hidden"),
    ],
)
def test_reply_to_a_banned_member_or_a_locked_or_hidden_topic_is_refused(
    ann, topic, owner, field, value, reason
):
    target = ann if owner == "member" else topic
    setattr(target, field, value)
    if owner == "member":
        ann.banned_reason = "spam"
    target.save()
    outcome = receive(build_mail(to=address(ann, topic)), source="test")
    assert outcome.status == "refused" and reason in outcome.reason
    assert not replies(topic).exists()


def test_reply_from_another_address_is_refused(ann, topic):
    UserFactory(username="eve", email="eve@example.org")
    raw = build_mail(to=address(ann, topic), sender="Eve <eve@example.org>")
    outcome = receive(raw, source="test")
    assert outcome.status == "refused" and "not the member's" in outcome.reason
    assert not replies(topic).exists()


def test_reply_with_only_quoted_text_is_refused(ann, topic):
    raw = build_mail(to=address(ann, topic), body="> On Monday Sam wrote:\n> hello")
    outcome = receive(raw, source="test")
    assert outcome.status == "refused" and "no new text" in outcome.reason


def test_posting_rate_limit_applies_to_mail(ann, topic, settings):
    settings.FORUM_POST_RATE_LIMIT = "1/m"
    assert receive(build_mail(to=address(ann, topic), body="first"), source="test").status == "taken"
    outcome = receive(build_mail(to=address(ann, topic), body="second"), source="test")
    assert outcome.status == "refused" and "quickly" in outcome.reason
    assert replies(topic).count() == 1


def test_attachments_are_dropped_and_logged(ann, topic):
    from email.message import EmailMessage
    from io import BytesIO

    from PIL import Image

    png = BytesIO()
    Image.new("RGB", (4, 4), "red").save(png, format="PNG")
    msg = EmailMessage()
    msg["Authentication-Results"] = "mx.test; dmarc=pass header.from=example.org"
    msg["From"], msg["To"], msg["Subject"] = "ann@example.org", address(ann, topic), "Re: with files"
    msg["Message-ID"] = "<files@example.org>"
    msg.set_content("See the screenshot.")
    msg.add_attachment(png.getvalue(), maintype="image", subtype="png", filename="shot.png")
    msg.add_attachment(b"not an image", maintype="image", subtype="png", filename="fake.png")
    msg.add_attachment(b"MZ...", maintype="application", subtype="octet-stream", filename="run.exe")
    outcome = receive(msg.as_bytes(), source="test")
    assert outcome.status == "taken", outcome.reason
    dropped = outcome.message.dropped_attachments
    assert "shot.png: image passed the checks" in dropped
    assert "fake.png: not a safe image" in dropped
    assert "run.exe: attachments are not kept" in dropped
    assert replies(topic).get().source == "See the screenshot."


def test_notification_mail_carries_the_reply_address(ann, topic, settings):
    from notifications.mail import notification_message
    from notifications.models import Notification

    post = PostFactory(topic=topic)
    notification = Notification.objects.create(
        recipient=ann, kind=Notification.Kind.REPLY, topic=topic, post=post, actor=post.author
    )
    message = notification_message(notification)
    assert message.reply_to and message.reply_to[0].startswith("reply+")
    assert tokens.read_token(tokens.token_from_address(message.reply_to[0])).topic_id == topic.pk
    assert "Reply to this email" in message.body
    settings.INBOUND_EMAIL_DOMAIN = ""
    message = notification_message(notification)
    assert not message.reply_to and "Reply to this email" not in message.body


def test_topic_page_marks_posts_sent_by_email(client, ann, topic):
    receive(build_mail(to=address(ann, topic), body="Sent from my desk, by mail."), source="test")
    page = client.get(topic.get_absolute_url())
    assert page.status_code == 200
    assert page.content.decode().count('class="via-marker"') == 1
