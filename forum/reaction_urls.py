"""Routes for reactions (me too, votes) and moderation (flags, hide, ban), under /community/."""

urlpatterns: list = []
