from django.urls import path  # noqa: F401

from forum import reaction_urls

app_name = "forum"
urlpatterns: list = []

# Me too, votes, flags and moderation actions live in their own module.
urlpatterns += reaction_urls.urlpatterns
