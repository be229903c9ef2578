"""Demo FAQ for "Acme Cloud" (file storage and sync for teams): a section per community
category, published articles, and a few articles promoted from the demo community's answered
topics (when the forum's demo content exists). Idempotent."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from forum.models import Category, Topic
from kb.models import FaqArticlePage, FaqIndexPage, FaqSectionPage

# (slug, title, description, category slug to tie to if it exists, articles)
# article: (slug, question, summary, answer html, tags, views, yes, no)
SECTIONS = [
    (
        "getting-started",
        "Getting started",
        "Install the apps, set up your folders, share with your team.",
        "getting-started",
        [
            (
                "install-desktop-app",
                "How do I install the Acme Cloud desktop app?",
                "Download it for macOS, Windows or Linux from Settings → Apps, sign in, and choose which folders to sync.",
                "<p>The desktop app keeps a folder on your computer in sync with Acme Cloud.</p>"
                "<ol><li>Open <b>Settings → Apps</b> in the web dashboard and download the app for your system.</li>"
                "<li>Install it and sign in with your Acme Cloud account.</li>"
                "<li>Choose the folders to sync; everything else stays online only.</li></ol>"
                "<p>On Linux you can also install it from the terminal:</p>"
                "<pre>curl -fsSL https://get.acme.example/desktop | sh\nacme-cloud --sign-in</pre>",
                ["desktop", "sync"],
                940,
                61,
                4,
            ),
            (
                "restore-deleted-file",
                "How do I restore a deleted file or an earlier version?",
                "Deleted files stay in Trash for 30 days (180 on Business); earlier versions are under the file's Versions tab.",
                "<p>Nothing is lost straight away.</p>"
                "<ul><li><b>Deleted files</b>: open <b>Trash</b>, select the files and choose <b>Restore</b>. "
                "Files stay in Trash for 30 days, 180 days on the Business plan.</li>"
                "<li><b>Earlier versions</b>: open the file, choose the <b>Versions</b> tab and "
                "<b>Restore this version</b>. The current version is kept as a version too.</li></ul>",
                ["files", "versions", "trash"],
                870,
                58,
                5,
            ),
            (
                "share-folder",
                "How do I share a folder with my team?",
                "Choose Share on the folder, add people or groups, and pick Viewer or Editor for each.",
                "<p>Select the folder and choose <b>Share</b>.</p>"
                "<ul><li><b>Editor</b>: can add, change and delete files.</li><li><b>Viewer</b>: can open and "
                "download files.</li></ul>"
                "<p>To share with people outside your company, create a <b>link</b> instead; owners can set "
                "an expiry date and a password on it, or turn outside links off under "
                "<b>Settings → Security</b>.</p>",
                ["sharing", "permissions"],
                520,
                33,
                3,
            ),
        ],
    ),
    (
        "billing",
        "Billing and plans",
        "Invoices, payment methods, plan changes and storage limits.",
        "billing",
        [
            (
                "change-plan",
                "How do I upgrade or downgrade my plan?",
                "Go to Billing → Plan and choose a new plan; the change is prorated to the day.",
                "<p>Plan changes take effect at once and are prorated to the day on your next invoice.</p>"
                "<ol><li>Open <b>Billing → Plan</b>.</li><li>Choose the new plan and confirm.</li></ol>"
                "<p>Downgrades check your storage first: if you use more than the new plan allows, "
                "we show what to remove before switching.</p>",
                ["plans", "invoices"],
                780,
                35,
                9,
            ),
            (
                "payment-methods",
                "Which payment methods do you accept?",
                "Cards (Visa, Mastercard, American Express) on every plan; invoices with bank transfer on yearly Business plans.",
                "<p>Every plan can be paid by card: Visa, Mastercard and American Express.</p>"
                "<p>Yearly <b>Business</b> plans can also be paid by bank transfer against an invoice. "
                "Ask for it under <b>Billing → Payment method → Pay by invoice</b>.</p>",
                ["payments"],
                505,
                30,
                1,
            ),
            (
                "payment-failed",
                "What happens if a payment fails?",
                "We retry three times over seven days and email the billing contacts; your files stay available.",
                "<p>Nothing stops right away. We retry the card after 1, 3 and 7 days and email your "
                "billing contacts each time.</p><p>If the last retry fails, the account becomes read-only "
                "(you can still open and download files) until you "
                '<a href="https://acme.example/billing">update your payment method</a>.</p>',
                ["payments"],
                260,
                12,
                6,
            ),
        ],
    ),
    (
        "mobile-app",
        "Mobile app",
        "The iOS and Android apps: offline files, camera uploads, notifications.",
        "mobile-app",
        [
            (
                "offline-files",
                "How do I make files available offline on my phone?",
                "Open the file or folder's menu and choose Make available offline; manage the space under Settings → Offline files.",
                "<ol><li>In the app, open the menu (⋯) next to a file or folder.</li>"
                "<li>Choose <b>Make available offline</b>.</li></ol>"
                "<p>Offline files update whenever your phone is online. See how much space they use, "
                "and remove them all at once, under <b>Settings → Offline files</b>.</p>",
                ["ios", "android", "offline"],
                610,
                40,
                2,
            ),
            (
                "camera-uploads",
                "How do I turn on camera uploads?",
                "Go to Settings → Camera uploads in the app, choose a folder, and decide whether to upload over mobile data.",
                "<p>Camera uploads copy new photos and videos to Acme Cloud automatically.</p>"
                "<ol><li>Open <b>Settings → Camera uploads</b> and turn it on.</li>"
                "<li>Choose the destination folder.</li>"
                "<li>Leave <b>Use mobile data</b> off to upload on Wi-Fi only.</li></ol>",
                ["ios", "android", "photos"],
                455,
                29,
                2,
            ),
        ],
    ),
    (
        "integrations",
        "Integrations",
        "Slack, Zapier, webhooks and the API.",
        "integrations",
        [
            (
                "api-token",
                "How do I create an API token?",
                "Create one under Settings → API tokens, choose its scopes, and copy it once: we never show it again.",
                "<ol><li>Open <b>Settings → API tokens</b> and choose <b>New token</b>.</li>"
                "<li>Name it, choose its scopes (read files, write files, admin) and an expiry.</li>"
                "<li>Copy the token now: we store only a hash.</li></ol>"
                "<p>Use it as a bearer token:</p>"
                '<pre>curl -H "Authorization: Bearer $ACME_TOKEN" \\\n  https://api.acme.example/v2/files</pre>',
                ["api", "tokens"],
                390,
                25,
                4,
            ),
            (
                "connect-slack",
                "How do I connect Acme Cloud to Slack?",
                "Install the Acme Cloud app from Settings → Integrations → Slack; links you paste then show previews and permissions.",
                "<p>An admin installs the Slack app once for the whole workspace from "
                "<b>Settings → Integrations → Slack</b>.</p>"
                "<p>After that, Acme Cloud links pasted in Slack show a preview, and people without "
                "access get a button to request it.</p>",
                ["slack"],
                320,
                22,
                3,
            ),
        ],
    ),
    (
        "account-security",
        "Account and security",
        "Sign-in, two-factor authentication, sessions and audit logs.",
        "account-security",
        [
            (
                "reset-password",
                "How do I reset my password?",
                "Choose Forgot password on the sign-in page; the link we email is valid for one hour.",
                "<p>On the sign-in page choose <b>Forgot password</b> and enter your email address. "
                "The link is valid for one hour.</p><p>Not getting the email? Check your spam folder, "
                "then ask your admin whether your company signs in with single sign-on.</p>",
                ["sign-in"],
                1020,
                70,
                8,
            ),
            (
                "two-factor",
                "How do I turn on two-factor authentication?",
                "Open Account → Security → Two-factor and scan the QR code with an authenticator app.",
                "<ol><li>Open <b>Account → Security</b>.</li><li>Choose <b>Turn on two-factor</b> and scan "
                "the QR code.</li><li>Save the recovery codes somewhere safe.</li></ol>"
                "<p>Owners can require two-factor for every member under <b>Settings → Security</b>.</p>",
                ["2fa", "security"],
                350,
                27,
                1,
            ),
        ],
    ),
]

INDEX_INTRO = (
    "<p>Answers to the questions Acme Cloud customers ask most, written by our team and grown "
    "from the community.</p>"
)


def _faq_index(log) -> FaqIndexPage:
    index = FaqIndexPage.objects.order_by("path").first()
    if index is None:
        from home.models import HomePage

        home = HomePage.objects.order_by("path").first()
        index = FaqIndexPage(title="Frequently asked questions", slug="faq", intro=INDEX_INTRO)
        home.add_child(instance=index)
        index.save_revision().publish()
        log("  created the FAQ index at /faq/")
    return index


def _section(index: FaqIndexPage, slug, title, description, category_slug, log) -> FaqSectionPage:
    section = FaqSectionPage.objects.child_of(index).filter(slug=slug).first()
    if section is not None:
        return section
    category = Category.objects.filter(Q(slug=category_slug) | Q(name__iexact=title)).first()
    section = FaqSectionPage(title=title, slug=slug, description=description, category=category)
    index.add_child(instance=section)
    section.save_revision().publish()
    log(f"  created FAQ section {title}")
    return section


def _article(section, spec, log) -> FaqArticlePage:
    slug, question, summary, answer, tags, views, yes, no = spec
    article = FaqArticlePage.objects.child_of(section).filter(slug=slug).first()
    if article is not None:
        return article
    article = FaqArticlePage(title=question, slug=slug, summary=summary, answer=answer)
    article.tags.add(*tags)
    section.add_child(instance=article)
    article.save_revision().publish()
    # Demo figures so "most viewed" and the helpfulness report have something to show.
    FaqArticlePage.objects.filter(pk=article.pk).update(
        view_count=views, helpful_yes_count=yes, helpful_no_count=no
    )
    log(f"  created FAQ article {question}")
    return article


def _promote_demo_topics(sections: list[FaqSectionPage], log) -> None:
    """Promote a few answered demo topics: two published, one left as a draft to review."""
    from django.contrib.auth import get_user_model

    from kb.services import suggested_section, topic_promote_to_faq

    editor = get_user_model().objects.filter(username="editor").first()
    if editor is None or not sections:
        return
    # Editors' FAQ changes are reviewed (kb/permissions.py): a staff member approves them.
    reviewer = get_user_model().objects.filter(groups__name="Staff").order_by("pk").first() or editor
    if FaqArticlePage.objects.filter(source_topic__isnull=False).exists():
        return  # promoted on an earlier run
    candidates = list(
        Topic.objects.visible()
        .filter(faq_page__isnull=True)
        .filter(Q(official_answer__isnull=False) | Q(accepted_answer__isnull=False))
        .order_by("-popularity", "-view_count", "pk")[:3]
    )
    for number, topic in enumerate(candidates):
        section = suggested_section(topic) or sections[number % len(sections)]
        promotion = topic_promote_to_faq(actor=editor, topic=topic, section=section)
        article = promotion.article
        if number < 2:
            article.save_revision(user=editor).publish(user=reviewer)
            log(f"  promoted and published topic “{topic.title}”")
        else:
            log(f"  promoted topic “{topic.title}” (a draft for editors to review)")


def seed(log=print) -> FaqIndexPage:
    index = _faq_index(log)
    if not index.intro:
        index.intro = INDEX_INTRO
        index.save_revision().publish()
    sections = []
    for slug, title, description, category_slug, articles in SECTIONS:
        section = _section(index, slug, title, description, category_slug, log)
        sections.append(section)
        for spec in articles:
            _article(section, spec, log)
    overdue = FaqArticlePage.objects.filter(slug="payment-failed", review_by__isnull=True).first()
    if overdue is not None:  # one article past its review date, for the review report
        FaqArticlePage.objects.filter(pk=overdue.pk).update(
            review_by=timezone.localdate() - datetime.timedelta(days=14)
        )
    _promote_demo_topics(sections, log)
    return index
