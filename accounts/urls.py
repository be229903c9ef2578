from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("<str:username>/", views.profile, name="profile"),
    path("<str:username>/edit/", views.profile_edit, name="profile_edit"),
    path("<str:username>/delete/", views.account_delete, name="account_delete"),
]
