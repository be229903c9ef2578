"""Demo email: a question Casey asked by mailing the billing support address, Sam's answer on
the site, and Casey's reply to the notification, made by email. Both mails go through the real
pipeline (``inbound.pipeline.receive``) as if the receiving server had handed them over, so the
topic page shows "by email" on them and the admin's inbound log lists them."""

from __future__ import annotations

from email.message import EmailMessage

from django.contrib.auth import get_user_model
from django.test.utils import override_settings

from forum.models import Post, Topic
from forum.services.posts import post_create
from inbound.models import InboundMessage
from inbound.pipeline import receive
from inbound.services import reply_address_for

DOMAIN = "mail.demo.example"
AUTHSERV = "mx.demo.example"
SUPPORT = f"billing@{DOMAIN}"
QUESTION_ID = "<demo-question-1@example.com>"
REPLY_ID = "<demo-reply-1@example.com>"
DEMO_SETTINGS = {
    "INBOUND_EMAIL_DOMAIN": DOMAIN,
    "INBOUND_AUTHSERV_ID": AUTHSERV,
    "INBOUND_AUTH_CHECK": "header",
    "INBOUND_SUPPORT_ADDRESSES": f"{SUPPORT}=billing",
}


def _mail(*, to: str, subject: str, body: str, message_id: str, sender: str) -> bytes:
    msg = EmailMessage()
    msg["Authentication-Results"] = (
        f"{AUTHSERV}; spf=pass smtp.mailfrom=example.com; dmarc=pass header.from=example.com"
    )
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = sender, to, subject, message_id
    msg.set_content(body)
    return msg.as_bytes()


def seed(log=print) -> None:
    User = get_user_model()
    casey = User.objects.filter(username="customer").first()
    sam = User.objects.filter(username="staff").first()
    if casey is None or sam is None:
        return
    with override_settings(**DEMO_SETTINGS):
        asked = receive(
            _mail(
                to=SUPPORT,
                sender=f"Casey Customer <{casey.email}>",
                subject="Can invoices be emailed to our accounts team?",
                body="Every month I forward each invoice to accounts@ by hand. Can Acme Cloud send them "
                "there directly?\n\nThanks,\nCasey\n\n-- \nCasey Customer\nOperations, Example Ltd",
                message_id=QUESTION_ID,
            ),
            source="test",
        )
        if asked.status == "taken":
            log("  asked a demo question by email")
        row = InboundMessage.objects.filter(message_id=QUESTION_ID).select_related("topic").first()
        topic: Topic | None = row.topic if row is not None else None
        if topic is None:
            return
        if not Post.objects.filter(topic=topic, author=sam).exists():
            post_create(
                author=sam,
                topic=topic,
                source="Yes: under **Billing → Invoice recipients**, add accounts@ and every new invoice "
                "goes there too.",
            )
        replied = receive(
            _mail(
                to=reply_address_for(user=casey, topic=topic) or "",
                sender=f"Casey Customer <{casey.email}>",
                subject=f'Re: [Acme Community] Sam from Support replied to your question "{topic.title}"',
                body="That works, thank you! Accounts got this month's invoice already.\n\n"
                "On Tue, Sam from Support wrote:\n> Yes: under Billing → Invoice recipients, add accounts@",
                message_id=REPLY_ID,
            ),
            source="test",
        )
        if replied.status == "taken":
            log("  replied to it by email")
