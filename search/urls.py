from django.urls import path

from search import feeds, views

app_name = "search"
urlpatterns = [
    path("", views.search_index, name="index"),
    path("similar/", views.similar, name="similar"),
    path("feed/", feeds.SearchFeed(), name="feed"),
    path("feed/atom/", feeds.SearchAtomFeed(), name="feed_atom"),
]
