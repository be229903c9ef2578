"""The search reports in the Wagtail admin's Reports menu, for Editors and Staff only."""

from django.urls import include, path, reverse

from wagtail import hooks
from wagtail.admin.menu import MenuItem

from search.reports import ContentGapsReport, TopSearchesReport, can_view_search_reports

report_urls = (
    [
        path("content-gaps/", ContentGapsReport.as_view(), name="content_gaps"),
        path(
            "content-gaps/results/", ContentGapsReport.as_view(results_only=True), name="content_gaps_results"
        ),
        path("top/", TopSearchesReport.as_view(), name="top_searches"),
        path("top/results/", TopSearchesReport.as_view(results_only=True), name="top_searches_results"),
    ],
    "search_reports",
)


@hooks.register("register_admin_urls")
def register_search_report_urls():
    return [path("reports/search/", include(report_urls))]


class SearchReportMenuItem(MenuItem):
    def is_shown(self, request):
        return can_view_search_reports(request.user)


@hooks.register("register_reports_menu_item")
def register_content_gaps_menu_item():
    return SearchReportMenuItem(
        "Search content gaps",
        reverse("search_reports:content_gaps"),
        name="search-content-gaps",
        icon_name="search",
        order=1300,
    )


@hooks.register("register_reports_menu_item")
def register_top_searches_menu_item():
    return SearchReportMenuItem(
        "Top searches",
        reverse("search_reports:top_searches"),
        name="search-top-searches",
        icon_name="search",
        order=1310,
    )
