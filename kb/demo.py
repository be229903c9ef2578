"""Demo FAQ for "Acme Cloud": sections, published articles, and a few articles promoted from the
demo community's answered topics (when the forum's demo content exists). Idempotent."""

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
        "Create your account, your first project and your first deploy.",
        "getting-started",
        [
            (
                "create-first-project",
                "How do I create my first project?",
                "Sign in, choose New project on the dashboard, pick a region and a plan, and connect your repository.",
                "<p>A project holds your apps, databases and environment settings.</p>"
                "<ol><li>Sign in at the Acme Cloud dashboard.</li><li>Choose <b>New project</b>.</li>"
                "<li>Pick a region close to your customers and a plan (you can change both later).</li>"
                "<li>Connect a Git repository, or start from a template.</li></ol>"
                "<p>Your first deploy starts as soon as the repository is connected.</p>",
                ["projects", "onboarding"],
                940,
                61,
                4,
            ),
            (
                "install-the-cli",
                "How do I install the Acme CLI?",
                "Install it with the one-line installer or your package manager, then run acme login.",
                "<p>The CLI runs on macOS, Linux and Windows.</p>"
                "<pre>curl -fsSL https://get.acme.example/cli | sh\nacme login</pre>"
                "<p>On macOS you can also use Homebrew: <code>brew install acme</code>. "
                "Check the version with <code>acme --version</code>.</p>",
                ["cli"],
                610,
                40,
                2,
            ),
            (
                "invite-team",
                "How do I invite my team?",
                "Open Settings → Members, choose Invite, and pick a role for each person.",
                "<p>Owners and admins can invite people from <b>Settings → Members</b>.</p>"
                "<ul><li><b>Admin</b>: everything except billing.</li><li><b>Developer</b>: deploy and "
                "manage apps.</li><li><b>Viewer</b>: read-only.</li></ul>"
                "<p>Invitations expire after 7 days; you can resend them from the same page.</p>",
                ["team", "permissions"],
                320,
                22,
                3,
            ),
        ],
    ),
    (
        "billing",
        "Billing and plans",
        "Invoices, payment methods, plan changes and usage limits.",
        "billing",
        [
            (
                "change-plan",
                "How do I upgrade or downgrade my plan?",
                "Go to Billing → Plan and choose a new plan; the change is prorated to the day.",
                "<p>Plan changes take effect at once and are prorated to the day on your next invoice.</p>"
                "<ol><li>Open <b>Billing → Plan</b>.</li><li>Choose the new plan and confirm.</li></ol>"
                "<p>Downgrades check your usage first: if you use more than the new plan allows, "
                "we tell you what to reduce before switching.</p>",
                ["plans", "invoices"],
                780,
                35,
                9,
            ),
            (
                "download-invoices",
                "Where can I download my invoices?",
                "Every invoice is under Billing → Invoices, as a PDF, for the last seven years.",
                "<p>Open <b>Billing → Invoices</b> and choose <b>Download PDF</b> next to any invoice. "
                "To send invoices to your accounts team automatically, add their address under "
                "<b>Billing → Invoice recipients</b>.</p>",
                ["invoices"],
                505,
                30,
                1,
            ),
            (
                "payment-failed",
                "What happens if a payment fails?",
                "We retry three times over seven days and email the billing contacts; your apps keep running.",
                "<p>Nothing stops right away. We retry the card after 1, 3 and 7 days and email your "
                "billing contacts each time.</p><p>If the last retry fails, the project becomes read-only "
                'until you <a href="https://acme.example/billing">update your payment method</a>.</p>',
                ["payments"],
                260,
                12,
                6,
            ),
        ],
    ),
    (
        "deploying",
        "Deploying apps",
        "Builds, environments, domains, rollbacks and logs.",
        "deploying",
        [
            (
                "custom-domain",
                "How do I use my own domain?",
                "Add the domain under App → Domains, then create the CNAME record we show you; HTTPS is automatic.",
                "<ol><li>Open your app and choose <b>Domains → Add domain</b>.</li>"
                "<li>Create the <code>CNAME</code> record we display at your DNS provider.</li>"
                "<li>Wait for the check to turn green (usually a few minutes).</li></ol>"
                "<p>We issue and renew the TLS certificate for you.</p>",
                ["domains", "dns", "https"],
                870,
                58,
                5,
            ),
            (
                "rollback",
                "How do I roll back a bad deploy?",
                "Run acme rollback, or choose Roll back next to any earlier release in the dashboard.",
                "<p>Every deploy is kept as a release. To go back to the previous one:</p>"
                "<pre>acme rollback --app my-app</pre>"
                "<p>Or open <b>Releases</b> and choose <b>Roll back</b> next to the release you want. "
                "Environment variables are rolled back with the code.</p>",
                ["deploys", "cli"],
                455,
                29,
                2,
            ),
            (
                "environment-variables",
                "How do I set environment variables and secrets?",
                "Use App → Settings → Variables or acme env set; secrets are encrypted and never shown again.",
                "<p>Variables are set per environment (production, staging, previews).</p>"
                "<pre>acme env set DATABASE_POOL=20 --app my-app\nacme env set API_KEY --secret</pre>"
                "<p>Changing a variable restarts the app with zero downtime.</p>",
                ["configuration", "secrets"],
                390,
                25,
                4,
            ),
        ],
    ),
    (
        "account-security",
        "Account and security",
        "Sign-in, two-factor authentication, API tokens and audit logs.",
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
    if FaqArticlePage.objects.filter(source_topic__isnull=False).exists():
        return  # promoted on an earlier run
    candidates = list(
        Topic.objects.filter(is_hidden=False, faq_page__isnull=True)
        .filter(Q(official_answer__isnull=False) | Q(accepted_answer__isnull=False))
        .order_by("-popularity", "-view_count", "pk")[:3]
    )
    for number, topic in enumerate(candidates):
        section = suggested_section(topic) or sections[number % len(sections)]
        promotion = topic_promote_to_faq(actor=editor, topic=topic, section=section)
        article = promotion.article
        if number < 2:
            article.save_revision(user=editor).publish(user=editor)
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
