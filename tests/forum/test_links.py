"""forum.links.reverse_fast gives what reverse() gives, on the fast road and off it."""

from django.urls import NoReverseMatch, reverse, set_script_prefix

import pytest

from forum.links import reverse_fast
from tests.factories import CategoryFactory, PostFactory, TopicFactory


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("forum:topic", {"pk": 1, "slug": "hello"}),
        ("forum:topic", {"pk": 987654321013, "slug": "a-b_c-9"}),
        ("forum:topic", {"pk": 42, "slug": "café-crème"}),  # not plain ASCII: through reverse()
        ("forum:topic", {"pk": 42, "slug": "a b?c#d"}),
        ("forum:topic", {"pk": 7, "slug": "zqxmarkerqzx0"}),  # the marker itself
        ("forum:post", {"pk": 0}),
        ("forum:post", {"pk": 123456}),
        ("forum:category", {"slug": "billing"}),
        ("forum:topic_short", {"pk": 5}),
    ],
)
def test_reverse_fast_equals_reverse(name, kwargs):
    assert reverse_fast(name, **kwargs) == reverse(name, kwargs=kwargs)


def test_reverse_fast_follows_the_script_prefix():
    try:
        set_script_prefix("/sub/")
        assert (
            reverse_fast("forum:post", pk=3)
            == "/sub/community/p/3/"
            == reverse("forum:post", kwargs={"pk": 3})
        )
    finally:
        set_script_prefix("/")
    assert reverse_fast("forum:post", pk=3) == "/community/p/3/"


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("forum:post", {"pk": -1}),
        ("forum:post", {"pk": None}),
        ("forum:topic", {"pk": 1, "slug": "a/b"}),
        ("forum:topic", {"pk": 1, "slug": ""}),
        ("forum:category", {"slug": "no spaces"}),
        ("forum:no-such-name", {"pk": 1}),
    ],
)
def test_reverse_fast_refuses_what_reverse_refuses(name, kwargs):
    with pytest.raises(NoReverseMatch):
        reverse(name, kwargs=kwargs)
    with pytest.raises(NoReverseMatch):
        reverse_fast(name, **kwargs)


@pytest.mark.django_db
def test_model_addresses_equal_reverse():
    category = CategoryFactory(slug="how-to")
    topic = TopicFactory(category=category, slug="export-to-csv")
    post = PostFactory(topic=topic)
    assert category.get_absolute_url() == reverse("forum:category", kwargs={"slug": "how-to"})
    assert topic.get_absolute_url() == reverse(
        "forum:topic", kwargs={"pk": topic.pk, "slug": "export-to-csv"}
    )
    assert post.get_absolute_url() == reverse("forum:post", kwargs={"pk": post.pk})
    topic.slug = ""
    assert topic.get_absolute_url() == reverse("forum:topic", kwargs={"pk": topic.pk, "slug": "topic"})
