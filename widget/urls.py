"""``/widget.js`` and ``/embed/``, mounted at the site's root (config/urls.py)."""

from django.urls import path

from widget import views

urlpatterns = [
    path("widget.js", views.widget_js, name="widget_js"),
    path("embed/", views.embed, name="widget_embed"),
]
