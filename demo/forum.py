"""Demo community for "Acme Cloud", a fictional file-sync and collaboration SaaS.

Idempotent: categories and members are created when missing, and each topic only when no topic
with its title exists. Everything goes through the forum's services (so counters, follows and
timeline events are real), then dates are spread over the past weeks so the site looks lived in.
It shows every kind and every status, official and accepted answers (one reply is both), a
duplicate, a locked topic, edited posts with history, and "me too"s.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from allauth.account.models import EmailAddress

from demo.accounts import DEMO_PASSWORD
from forum.models import Category, Post, Topic, TopicEvent
from forum.services import posts as post_services
from forum.services import topics as topic_services

CATEGORIES = [
    ("Billing & plans", "billing", "Invoices, payment methods, upgrades, downgrades and receipts.", 1),
    ("Mobile app", "mobile-app", "The Acme Cloud apps for iOS and Android: sync, offline files, sign-in.", 2),
    ("Integrations", "integrations", "Salesforce, Slack, Zapier, webhooks and the REST API.", 3),
    ("Account & security", "account-security", "Sign-in, two-factor authentication, SSO, audit logs.", 4),
    ("Getting started", "getting-started", "New to Acme Cloud? Setting up teams, folders and sharing.", 5),
]

EXTRA_MEMBERS = [
    ("priya", "priya@example.com", "Priya Raman"),
    ("jonas", "jonas@example.com", "Jonas Becker"),
    ("mei", "mei@example.com", "Mei Tanaka"),
    ("omar", "omar@example.com", "Omar Haddad"),
]

# Each topic: title, kind, category slug, author, tags, days ago, question, replies
# [(author, text)], and what happens next: official/accepted (index of a reply), status set by
# staff, duplicate_of (a title), locked, edits [(reply index or "q", editor, new text)], metoo.
TOPICS: list[dict] = [
    {
        "title": "How do I download all my invoices at once?",
        "kind": "question",
        "category": "billing",
        "author": "customer",
        "tags": "invoices, export",
        "days": 24,
        "body": "Our accountant needs every invoice from last year as PDF. Clicking through them one by one "
        "takes forever. Is there a way to get them **all at once**?",
        "replies": [
            (
                "priya",
                "I think there's an export somewhere under *Billing → History*, but I only ever saw CSV.",
            ),
            (
                "staff",
                "Yes! Go to **Billing → Invoices**, pick the date range and click **Download all**. "
                "You'll get a ZIP with one PDF per invoice (and a CSV summary).\n\n"
                "Only account owners and billing admins see that button: if it's missing, ask your "
                "owner to give you the *Billing admin* role under **Team → Roles**.",
            ),
            ("customer", "Found it, thank you! The ZIP has everything the accountant asked for."),
        ],
        "official": 1,
        "accepted": 1,
        "metoo": ["priya", "jonas", "mei"],
    },
    {
        "title": "Where can I get a PDF copy of my invoices?",
        "kind": "question",
        "category": "billing",
        "author": "jonas",
        "tags": "invoices",
        "days": 9,
        "body": "I need PDFs of my invoices for expenses. The billing page only shows amounts.",
        "replies": [],
        "duplicate_of": "How do I download all my invoices at once?",
    },
    {
        "title": "iOS app logs me out every time I switch apps",
        "kind": "problem",
        "category": "mobile-app",
        "author": "jonas",
        "tags": "ios, sign-in",
        "days": 6,
        "body": "Since updating to 4.11 on my iPhone 15 (iOS 18.2), Acme Cloud asks me to sign in again "
        "whenever I come back to it from another app. Very annoying when sharing files from Photos.",
        "replies": [
            ("customer", "Same here on an iPhone 13. Android is fine."),
            ("mei", "Me too. Signing out and in again didn't help."),
            (
                "staff",
                "Thanks for the reports, and sorry about this. We've reproduced it: the app drops its "
                "session when iOS suspends it with a pending upload. A fix is in testing for **4.12**, "
                "due next week. We'll post here when it ships.",
            ),
        ],
        "status": "in_progress",
        "metoo": ["customer", "mei", "priya", "omar"],
    },
    {
        "title": "Can I sync Acme Cloud contacts with Salesforce?",
        "kind": "question",
        "category": "integrations",
        "author": "mei",
        "tags": "salesforce, contacts",
        "days": 18,
        "body": "We'd like new contacts shared in Acme Cloud folders to appear as Salesforce contacts. "
        "Is that built in, or do we need Zapier?",
        "replies": [
            (
                "omar",
                "It's built in now. **Settings → Integrations → Salesforce**, connect with an admin "
                "account, then tick *Sync contacts*. It runs every 15 minutes. We've used it for months.",
            ),
            ("mei", "Worked perfectly, thanks Omar!"),
        ],
        "accepted": 0,
        "status": "solved",
    },
    {
        "title": "Dark mode for the web dashboard",
        "kind": "idea",
        "category": "getting-started",
        "author": "priya",
        "tags": "dashboard, accessibility",
        "days": 30,
        "body": "The mobile apps have a lovely dark mode. Please bring it to the web dashboard: we work "
        "late and the white screens are harsh.",
        "replies": [
            ("omar", "+1, and please follow the operating system setting automatically."),
            (
                "staff",
                "Thank you for the idea and all the votes. We've looked into it carefully: the web "
                "dashboard is being rebuilt next year, and dark mode will be part of the new design "
                "from day one. We won't add it to the current dashboard, so I'm marking this as not "
                "planned for now.",
            ),
        ],
        "status": "not_planned",
        "metoo": ["omar", "customer", "mei"],
    },
    {
        "title": "The new bulk upload is a huge time saver",
        "kind": "praise",
        "category": "getting-started",
        "author": "omar",
        "tags": "upload",
        "days": 4,
        "body": "Just moved 14,000 scanned contracts into Acme Cloud with the new bulk uploader. "
        "Resumable, checksums, no babysitting. Thank you, team!",
        "replies": [
            ("staff", "That made our day, Omar. Thanks for telling us! 🎉"),
        ],
        "status": "closed",
    },
    {
        "title": "How do I turn on two-factor authentication for my whole team?",
        "kind": "question",
        "category": "account-security",
        "author": "customer",
        "tags": "2fa, security, team",
        "days": 12,
        "body": "I turned on 2FA for myself. How do I make it required for everyone in our team?",
        "replies": [
            (
                "staff",
                "Owners can require it for everyone: **Team → Security → Require two-factor "
                "authentication**. Members without 2FA are asked to set it up the next time they "
                "sign in; nobody is locked out in the middle of their work.\n\n"
                "Tip: check **Team → Members** first, the *2FA* column shows who still needs to set it up.",
            ),
            ("priya", "We did this last month, it went smoothly."),
        ],
        "official": 0,
        "edits": [
            (
                "q",
                "customer",
                "I turned on 2FA for myself. How do I make it required for everyone in our team? "
                "We have 40 members, some only use the mobile app.",
            )
        ],
    },
    {
        "title": "How do I change the billing email without changing my login?",
        "kind": "question",
        "category": "billing",
        "author": "priya",
        "tags": "invoices, email",
        "days": 15,
        "body": "Invoices go to my personal address. I'd like them sent to accounts@ instead, but keep "
        "signing in with my own email.",
        "replies": [
            (
                "staff",
                "You can set a separate billing contact: **Billing → Details → Billing email**. "
                "Invoices and payment receipts go there; your sign-in email doesn't change.",
            ),
        ],
        "official": 0,
        "edits": [
            (
                0,
                "staff",
                "You can set a separate billing contact: **Billing → Details → Billing email**. "
                "Invoices and payment receipts go there; your sign-in email doesn't change.\n\n"
                "You can add up to three addresses, separated by commas.",
            )
        ],
    },
    {
        "title": "Sync delays on 3 March: what happened",
        "kind": "problem",
        "category": "account-security",
        "author": "staff",
        "tags": "outage, sync",
        "days": 20,
        "body": "On 3 March between 09:10 and 10:45 UTC, file changes took up to 40 minutes to sync. "
        "No data was lost. The cause was a queue that stopped scaling after a configuration "
        "change; we've rolled it back and added an alert so it can't go unnoticed again.\n\n"
        "Sorry for the disruption. This thread is locked; please open a new topic if you still see delays.",
        "replies": [
            ("jonas", "Thanks for the clear write-up."),
        ],
        "status": "solved",
        "locked": True,
    },
    {
        "title": "Webhook retries: how many times and how often?",
        "kind": "question",
        "category": "integrations",
        "author": "omar",
        "tags": "webhooks, api",
        "days": 1,
        "body": "If my endpoint is down, how many times does Acme Cloud retry a webhook, and with what "
        "back-off? I want to size our queue.",
        "replies": [],
    },
    {
        "title": "Zapier trigger doesn't fire for new folders",
        "kind": "problem",
        "category": "integrations",
        "author": "mei",
        "tags": "zapier",
        "days": 2,
        "body": "The *New file* trigger works, but *New folder* never fires. Is it me or is it broken?",
        "replies": [
            (
                "priya",
                "Works for me, but only for folders created in the web app, not via the desktop client.",
            ),
        ],
        "metoo": ["omar"],
    },
    {
        "title": "Let us export audit logs to S3",
        "kind": "idea",
        "category": "account-security",
        "author": "jonas",
        "tags": "audit, s3, compliance",
        "days": 10,
        "body": "Our auditors want a copy of the audit log in our own S3 bucket, updated daily.",
        "replies": [
            ("staff", "Good news: this is being built now. We'll update this topic when the beta opens."),
            ("customer", "Would love this for Azure Blob too."),
        ],
        "status": "in_progress",
        "metoo": ["customer", "priya"],
    },
    {
        "title": "SMS codes for sign-in arrive minutes late",
        "kind": "problem",
        "category": "account-security",
        "author": "customer",
        "tags": "2fa, sms",
        "days": 8,
        "body": "Since yesterday my SMS codes take 3–5 minutes to arrive and expire before I can use them.",
        "replies": [
            (
                "staff",
                "One of our SMS providers had delays in some countries. We switched traffic to the "
                "backup provider; codes should arrive within seconds again. An authenticator app "
                "avoids SMS entirely: **Account → Security → Authenticator app**.",
            ),
            ("customer", "Codes come instantly now, and I switched to an authenticator app. Thanks!"),
        ],
        "official": 0,
        "accepted": 0,
        "status": "solved",
    },
    {
        "title": "Offline files on Android take up too much space",
        "kind": "question",
        "category": "mobile-app",
        "author": "priya",
        "tags": "android, offline",
        "days": 3,
        "body": "My phone says Acme Cloud uses 11 GB. I only marked two folders for offline use. "
        "How do I find out what's taking the space?",
        "replies": [
            (
                "moderator",
                "Have a look at **Settings → Storage** in the app: it lists the cache separately from offline files.",
            ),
        ],
    },
]


def demo_topics() -> QuerySet[Topic]:
    """The demo's own topics: a demo title asked by its demo author. A real topic that happens
    to share a title is not one, so reruns never touch it."""
    q = Q(pk__in=[])
    for spec in TOPICS:
        q |= Q(title=spec["title"], author__username=spec["author"])
    return Topic.objects.filter(q)


def demo_replies(topics) -> QuerySet[Post]:
    """The replies the demo itself wrote on its topics: each by its demo author with its demo
    text (or the text a demo edit gave it). Replies real members add to a demo topic are not."""
    specs = {spec["title"]: spec for spec in TOPICS}
    q = Q(pk__in=[])
    for topic in topics:
        spec = specs.get(topic.title)
        if spec is None:
            continue
        written = list(spec["replies"])
        for target, _editor, text in spec.get("edits", []):
            if target != "q":
                written.append((spec["replies"][target][0], text))
        for username, text in written:
            q |= Q(topic=topic, author__username=username, source=text)
    return Post.objects.filter(q)


def _members(log) -> dict:
    User = get_user_model()
    members = {
        u.username: u
        for u in User.objects.filter(username__in=["customer", "staff", "moderator", "editor", "admin"])
    }
    for username, email, name in EXTRA_MEMBERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": email,
                "display_name": name,
                # Members for months: their flags count (forum.permissions.is_trusted_flagger).
                "date_joined": timezone.now() - timedelta(days=180),
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            log(f"  created demo member {email}")
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        members[username] = user
    return members


def _categories(log) -> dict[str, Category]:
    categories = {}
    for name, slug, description, order in CATEGORIES:
        category, created = Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "order": order}
        )
        if created:
            log(f"  created category {name}")
        categories[slug] = category
    return categories


def _spread_dates(topic: Topic, days_ago: int) -> None:
    """Move the topic, its posts and its events into the past, in the order they happened."""
    start = timezone.now() - timedelta(days=days_ago, hours=3)
    step = timedelta(hours=max(1, days_ago * 24 // 8) if days_ago else 1)
    posts = list(Post.objects.filter(topic=topic).order_by("created_at", "id"))
    moments = {}
    for index, post in enumerate(posts):
        moments[post.pk] = start + step * index
        Post.objects.filter(pk=post.pk).update(created_at=moments[post.pk])
    for post in Post.objects.filter(topic=topic, edited_at__isnull=False):
        Post.objects.filter(pk=post.pk).update(edited_at=moments[post.pk] + step / 2)
        post.revisions.update(created_at=moments[post.pk] + step / 2)
    last = start + step * (len(posts) - 1)
    for index, event in enumerate(TopicEvent.objects.filter(topic=topic).order_by("created_at", "id")):
        TopicEvent.objects.filter(pk=event.pk).update(created_at=last + timedelta(minutes=10 * (index + 1)))
    replies = [p for p in posts if p.pk != topic.first_post_id]
    staff_times = [moments[p.pk] for p in replies if p.is_official]
    Topic.objects.filter(pk=topic.pk).update(
        created_at=start,
        last_activity_at=last,
        last_reply_at=moments[replies[-1].pk] if replies else None,
        first_staff_reply_at=min(staff_times) if staff_times else None,
        answered_at=(last + timedelta(minutes=10)) if topic.answered_at else None,
    )


def seed(log=print) -> list[Topic]:
    members = _members(log)
    categories = _categories(log)
    staff = members["staff"]
    created: list[Topic] = []
    by_title = {t.title: t for t in demo_topics()}
    # Originals before their duplicates.
    for spec in sorted(TOPICS, key=lambda s: bool(s.get("duplicate_of"))):
        if spec["title"] in by_title:
            continue
        author = members[spec["author"]]
        topic = topic_services.topic_create(
            author=author,
            title=spec["title"],
            source=spec["body"],
            kind=spec["kind"],
            category=categories[spec["category"]],
            tags=spec["tags"],
        )
        replies = [
            post_services.post_create(author=members[name], topic=topic, source=text)
            for name, text in spec["replies"]
        ]
        for target, editor, text in spec.get("edits", []):
            post = topic.first_post if target == "q" else replies[target]
            post_services.post_edit(actor=members[editor], post=post, source=text)
        if "official" in spec:
            post_services.post_mark_official(actor=staff, post=replies[spec["official"]])
        if "accepted" in spec:
            post_services.post_accept(actor=author, post=replies[spec["accepted"]])
        if spec.get("status"):
            topic_services.topic_set_status(actor=staff, topic=topic, status=spec["status"])
        if spec.get("duplicate_of"):
            topic_services.topic_mark_duplicate(
                actor=staff, topic=topic, original=by_title[spec["duplicate_of"]]
            )
        if spec.get("locked"):
            topic_services.topic_lock(actor=staff, topic=topic)
        _add_metoos(topic, [members[name] for name in spec.get("metoo", [])])
        topic.refresh_from_db()
        _spread_dates(topic, spec["days"])
        by_title[topic.title] = topic
        created.append(topic)
    Topic.objects.filter(view_count=0, pk__in=[t.pk for t in created]).update(
        view_count=F("reply_count") * 37 + F("metoo_count") * 19 + 12
    )
    if created:
        log(f"  created {len(created)} community topics")
    return created


def _add_metoos(topic: Topic, users: list) -> None:
    try:
        from forum.services.reactions import topic_toggle_metoo
    except ImportError:  # pragma: no cover - the reactions part is always installed
        return
    for user in users:
        topic_toggle_metoo(user=user, topic=topic, set_to=True)
