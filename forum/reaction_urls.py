"""Routes for reactions (me too, votes) and moderation (flags, hide, ban), under /community/.

Actions sit under ``topics/<id>/`` and ``p/<id>/`` like the forum's other actions; the queue and
member bans take the reserved first segments ``moderation/`` and ``members/`` (so no category
may use those slugs).
"""

from django.urls import path

from forum import reaction_views as views

urlpatterns: list = [
    path("topics/<int:pk>/metoo/", views.metoo, name="metoo"),
    path("topics/<int:pk>/hide/", views.hide_topic, name="hide_topic"),
    path("topics/<int:pk>/unhide/", views.unhide_topic, name="unhide_topic"),
    path("p/<int:pk>/vote/", views.vote, name="vote"),
    path("p/<int:pk>/flag/", views.flag, name="flag"),
    path("p/<int:pk>/hide/", views.hide_post, name="hide_post"),
    path("p/<int:pk>/unhide/", views.unhide_post, name="unhide_post"),
    path("members/<str:username>/ban/", views.ban_user, name="ban_user"),
    path("members/<str:username>/unban/", views.unban_user, name="unban_user"),
    path("moderation/", views.moderation_queue, name="moderation_queue"),
    path("moderation/p/<int:pk>/resolve/", views.resolve_flags, name="resolve_flags"),
]
