"""The community's addresses, mounted at /community/.

Readable addresses are for people (``t/<id>/<slug>/``, ``p/<id>/``, ``<category-slug>/``);
actions (POST only) live under ``topics/<id>/`` and ``p/<id>/`` so that no topic slug can
shadow them; the moderation queue and member bans take the first segments ``moderation/`` and
``members/``. The category catch-all comes last.
"""

from django.urls import path

from forum import feeds
from forum.views import lists, moderation, posting, posts, reactions, topics

app_name = "forum"
urlpatterns: list = [
    path("", lists.topic_list, name="index"),
    path("ask/", posting.ask, name="ask"),
    path("preview/", posting.preview, name="preview"),
    path("feed/", feeds.LatestTopicsFeed(), name="feed"),
    path("tags/<slug:tag>/feed/", feeds.TagTopicsFeed(), name="tag_feed"),
    # a topic
    path("t/<int:pk>/", topics.topic_short, name="topic_short"),
    path("t/<int:pk>/<str:slug>/", topics.topic_detail, name="topic"),
    path("topics/<int:pk>/reply/", posting.reply, name="reply"),
    path("topics/<int:pk>/status/", topics.topic_status, name="topic_status"),
    path("topics/<int:pk>/duplicate/", topics.topic_duplicate, name="topic_duplicate"),
    path("topics/<int:pk>/unduplicate/", topics.topic_unduplicate, name="topic_unduplicate"),
    path("topics/<int:pk>/lock/", topics.topic_lock, name="topic_lock"),
    path("topics/<int:pk>/unlock/", topics.topic_unlock, name="topic_unlock"),
    path("topics/<int:pk>/move/", topics.topic_move, name="topic_move"),
    path("topics/<int:pk>/follow/", topics.topic_follow, name="topic_follow"),
    path("topics/<int:pk>/unfollow/", topics.topic_unfollow, name="topic_unfollow"),
    # a post
    path("p/<int:pk>/", posts.post_permalink, name="post"),
    path("p/<int:pk>/edit/", posts.post_edit, name="post_edit"),
    path("p/<int:pk>/revisions/", posts.post_revisions, name="post_revisions"),
    path(
        "p/<int:pk>/revisions/<int:revision_id>/redact/",
        posts.post_revision_redact,
        name="post_revision_redact",
    ),
    path("p/<int:pk>/official/", posts.post_mark_official, name="post_official"),
    path("p/<int:pk>/unofficial/", posts.post_unmark_official, name="post_unofficial"),
    path("p/<int:pk>/accept/", posts.post_accept, name="post_accept"),
    path("p/<int:pk>/unaccept/", posts.post_unaccept, name="post_unaccept"),
    # reactions and moderation
    path("topics/<int:pk>/metoo/", reactions.metoo, name="metoo"),
    path("topics/<int:pk>/hide/", moderation.hide_topic, name="hide_topic"),
    path("topics/<int:pk>/unhide/", moderation.unhide_topic, name="unhide_topic"),
    path("p/<int:pk>/vote/", reactions.vote, name="vote"),
    path("p/<int:pk>/flag/", moderation.flag, name="flag"),
    path("p/<int:pk>/hide/", moderation.hide_post, name="hide_post"),
    path("p/<int:pk>/unhide/", moderation.unhide_post, name="unhide_post"),
    path("members/<str:username>/ban/", moderation.ban_user, name="ban_user"),
    path("members/<str:username>/unban/", moderation.unban_user, name="unban_user"),
    path("moderation/", moderation.moderation_queue, name="moderation_queue"),
    path("moderation/p/<int:pk>/resolve/", moderation.resolve_flags, name="resolve_flags"),
    # Categories last: a single path segment is a category's slug. Every fixed route above
    # reserves its first segment as a category slug (forum/slugs.py reads them from here).
    path("<slug:slug>/", lists.topic_list, name="category"),
    path("<slug:slug>/feed/", feeds.CategoryTopicsFeed(), name="category_feed"),
    path("<slug:slug>/follow/", lists.category_follow, name="category_follow"),
    path("<slug:slug>/unfollow/", lists.category_unfollow, name="category_unfollow"),
]
