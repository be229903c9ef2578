from django.urls import path

from inbound import views

app_name = "inbound"
urlpatterns = [
    path("confirm/<str:token>/", views.confirm_question, name="confirm"),
    path("revoke-reply-addresses/", views.revoke_reply_addresses, name="revoke"),
]
