"""The community's addresses, mounted at /community/.

Readable addresses are for people (``t/<id>/<slug>/``, ``p/<id>/``, ``<category-slug>/``);
actions (POST only) live under ``topics/<id>/`` and ``p/<id>/`` so that no topic slug can
shadow them. The category catch-all comes last, after the reactions' own routes.
"""

from django.urls import path

from forum import feeds, reaction_urls, views

app_name = "forum"
urlpatterns: list = [
    path("", views.topic_list, name="index"),
    path("ask/", views.ask, name="ask"),
    path("preview/", views.preview, name="preview"),
    path("feed/", feeds.LatestTopicsFeed(), name="feed"),
    path("tags/<slug:tag>/feed/", feeds.TagTopicsFeed(), name="tag_feed"),
    # a topic
    path("t/<int:pk>/", views.topic_short, name="topic_short"),
    path("t/<int:pk>/<str:slug>/", views.topic_detail, name="topic"),
    path("topics/<int:pk>/reply/", views.reply, name="reply"),
    path("topics/<int:pk>/status/", views.topic_status, name="topic_status"),
    path("topics/<int:pk>/duplicate/", views.topic_duplicate, name="topic_duplicate"),
    path("topics/<int:pk>/unduplicate/", views.topic_unduplicate, name="topic_unduplicate"),
    path("topics/<int:pk>/lock/", views.topic_lock, name="topic_lock"),
    path("topics/<int:pk>/unlock/", views.topic_unlock, name="topic_unlock"),
    path("topics/<int:pk>/move/", views.topic_move, name="topic_move"),
    path("topics/<int:pk>/follow/", views.topic_follow, name="topic_follow"),
    path("topics/<int:pk>/unfollow/", views.topic_unfollow, name="topic_unfollow"),
    # a post
    path("p/<int:pk>/", views.post_permalink, name="post"),
    path("p/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("p/<int:pk>/revisions/", views.post_revisions, name="post_revisions"),
    path("p/<int:pk>/official/", views.post_mark_official, name="post_official"),
    path("p/<int:pk>/unofficial/", views.post_unmark_official, name="post_unofficial"),
    path("p/<int:pk>/accept/", views.post_accept, name="post_accept"),
    path("p/<int:pk>/unaccept/", views.post_unaccept, name="post_unaccept"),
]

# Me too, votes, flags and moderation actions live in their own module.
urlpatterns += reaction_urls.urlpatterns

# Categories last: a single path segment is a category's slug.
urlpatterns += [
    path("<slug:slug>/", views.topic_list, name="category"),
    path("<slug:slug>/feed/", feeds.CategoryTopicsFeed(), name="category_feed"),
    path("<slug:slug>/follow/", views.category_follow, name="category_follow"),
    path("<slug:slug>/unfollow/", views.category_unfollow, name="category_unfollow"),
]

# Slugs no route owns that would still read as the site's own addresses under /community/.
CONFUSABLE_SLUGS = frozenset({"tags", "search", "u"})


def reserved_category_slugs() -> frozenset[str]:
    """The one reserved-slug list: the first segment of every fixed route above (a category
    with that slug would be shadowed by it), plus ``CONFUSABLE_SLUGS``. Derived from the routes,
    so a new address under /community/ reserves its slug by being added."""
    segments = {str(pattern.pattern).split("/", 1)[0] for pattern in urlpatterns}
    return frozenset({s for s in segments if s and "<" not in s} | CONFUSABLE_SLUGS)
