from django.core.management import call_command
from django.test import override_settings

import pytest

from demo import kb as demo
from kb.models import FaqArticlePage, FaqSectionPage
from tests.kb.conftest import make_answered_topic


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_seed_demo_builds_the_faq_once(client):
    call_command("seed_demo")
    sections = FaqSectionPage.objects.live().count()
    articles = FaqArticlePage.objects.live().count()
    assert sections == len(demo.SECTIONS)
    assert articles >= sum(len(spec[4]) for spec in demo.SECTIONS)
    call_command("seed_demo")
    assert FaqSectionPage.objects.count() == sections
    assert FaqArticlePage.objects.live().count() == articles
    assert client.get("/faq/").status_code == 200
    assert "How do I reset my password?" in client.get("/faq/").content.decode()


@pytest.mark.django_db
def test_demo_promotes_answered_topics_when_the_forum_demo_exists():
    from demo import accounts as accounts_demo

    accounts_demo.seed(log=lambda *_: None)
    topics = [make_answered_topic(title=f"Demo question {n}") for n in range(3)]
    demo.seed(log=lambda *_: None)
    promoted = FaqArticlePage.objects.filter(source_topic__in=topics)
    assert promoted.count() == 3
    assert promoted.filter(live=True).count() == 2  # one is left as a draft to review
    demo.seed(log=lambda *_: None)
    assert FaqArticlePage.objects.filter(source_topic__isnull=False).count() == 3
