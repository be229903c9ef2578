from django.urls import path

from kb import views

app_name = "kb"
urlpatterns = [
    path("helpful/<int:pk>/", views.helpful_vote, name="helpful"),
    path("helpful/<int:pk>/comment/", views.helpful_comment, name="helpful_comment"),
    path("nominate/<int:topic_id>/", views.nominate, name="nominate"),
]
