from django.conf import settings
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from accounts import views as account_views
from api import views as api_views
from api.urls import api
from home import views as home_views
from inbound import provider as inbound_provider
from kb.feeds import FaqUpdatesFeed
from ops.health import HealthView

urlpatterns = [
    # The admin signs in, and resets passwords, through allauth (rate limits, lockout, email
    # verification, MFA): Wagtail's own forms are never reached, whatever is posted to them.
    path("admin/login/", account_views.admin_sign_in, name="admin_sign_in"),
    re_path(
        r"^admin/password_reset/",
        RedirectView.as_view(pattern_name="account_reset_password", query_string=False),
    ),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    path("community/", include("forum.urls")),
    path("search/", include("search.urls")),
    path("u/", include("accounts.urls")),
    path("kb/", include("kb.urls")),
    path("notifications/", include("notifications.urls")),
    path("mail/", include("inbound.urls")),
    path("health/", HealthView.as_view(), name="health"),
    path("mentions/", include("mentions.urls")),
    path("sitemap.xml", home_views.sitemap, name="sitemap"),
    path("sitemap-<slug:section>.xml", home_views.sitemap_section, name="sitemap_section"),
    path("robots.txt", home_views.robots_txt, name="robots_txt"),
    path("", include("widget.urls")),
    path("api/v1/", api.urls),
    re_path(r"^api/", api_views.not_found),  # anything else under /api/: a problem, not a page
    path("accounts/api-tokens/", api_views.tokens, name="api_tokens"),
    path("accounts/api-tokens/<int:pk>/revoke/", api_views.token_revoke, name="api_token_revoke"),
    # Before Wagtail's pages: the FAQ's feed sits beside its pages.
    path("faq/feed/", FaqUpdatesFeed(), name="faq_feed"),
    # Provider inbound mail webhooks (/mail/inbound/<esp>/), only those configured.
    *inbound_provider.webhook_urls(),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's page serving last: it owns "/" and "/faq/...".
urlpatterns += [path("", include(wagtail_urls))]

handler404 = home_views.page_not_found
handler500 = home_views.server_error
