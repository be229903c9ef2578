"""A small but complete site for the page-wide browser checks (accessibility, mobile)."""

from __future__ import annotations

from dataclasses import dataclass

from forum.models import Topic
from forum.services import posts as post_services
from kb.models import FaqIndexPage
from tests.factories import CategoryFactory, PostFactory, TopicFactory, UserFactory, staff_user
from tests.kb.conftest import make_article, make_section
from tests.notifications.helpers import reply


@dataclass
class Site:
    asker: object
    staff: object
    topic: Topic
    category: object
    section: object
    article: object


def build_site() -> Site:
    category = CategoryFactory(name="Billing & plans", slug="billing")
    asker = UserFactory(username="nina", display_name="Nina Newbie")
    staff = staff_user(username="sam", display_name="Sam from Support", staff_title="Support team")
    topic = TopicFactory(
        title="Can I download every invoice as one PDF file?",
        category=category,
        author=asker,
        body="I need all invoices from 2025 for our accountant.",
    )
    PostFactory(topic=topic, author=UserFactory(username="omar"), source="Same here, +1.")
    official = post_services.post_create(
        author=staff, topic=topic, source="Yes: **Billing → Invoices → Download all** gives a ZIP."
    )
    post_services.post_mark_official(actor=staff, post=official)
    for n in range(3):
        reply(topic, UserFactory(username=f"helper{n}"), f"Reply number {n} with a tip.")
    TopicFactory(title="Dark mode for the web dashboard", category=category, kind="idea")
    section = make_section(FaqIndexPage.objects.get(), title="Billing")
    article = make_article(
        section,
        title="How do I download all my invoices at once?",
        answer="<p>Go to Billing.</p><ol><li>Open Invoices.</li><li>Click Download all.</li></ol>",
    )
    return Site(asker=asker, staff=staff, topic=topic, category=category, section=section, article=article)


def public_pages(site: Site) -> list[str]:
    return [
        "/",
        "/community/",
        site.category.get_absolute_url(),
        "/community/?kind=idea",
        site.topic.get_absolute_url(),
        "/faq/",
        site.section.url,
        site.article.url,
        "/search/?q=invoice",
        "/search/?q=qqqzzzx",
        f"/u/{site.staff.username}/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/no-such-page/",
    ]


def member_pages(site: Site) -> list[str]:
    return [
        "/",
        "/community/ask/",
        site.topic.get_absolute_url(),
        "/notifications/",
        "/notifications/settings/",
        f"/u/{site.asker.username}/",
        f"/u/{site.asker.username}/edit/",
        f"/u/{site.asker.username}/delete/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/accounts/2fa/totp/activate/",
    ]
