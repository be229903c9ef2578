from django.db import models
from django.http import Http404

from wagtail.admin.panels import FieldPanel
from wagtail.models import Page
from wagtail.url_routing import RouteResult

from core.prepared import prepared


class HomePage(Page):
    """The root of the site's page tree: one search box, popular FAQ, recent and unanswered
    topics, categories. The lists come from selectors in the apps that own them."""

    intro = models.CharField(
        max_length=200,
        blank=True,
        default="Search our FAQ and community, or ask a question in public.",
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["kb.FaqIndexPage"]
    max_count = 1

    def route(self, request, path_components):
        """Wagtail's routing in two queries whatever the depth: the pages along the path in one
        query (by slug and depth below this page), then the fields of the found page's own
        class (``get_specific(deferred=True)`` keeps the Page fields already loaded). Wagtail's
        own ``route`` asks for one child per path component and loads each one's specific page
        (9 queries for an FAQ article). The path query is prepared (``core.prepared``): it asks
        by depth and slug only, and the walk from this page keeps the pages below it (a page of
        another site's tree with the same slug at that depth is read and passed over). The answer is the same: a page whose class routes on its
        own (any ``route`` other than Wagtail's) is handed the rest of the path as Wagtail
        would; a missing page or a draft at the end is a 404."""
        if not path_components:
            return super().route(request, path_components)
        found = _pages_along(self.depth + 1, self.depth + len(path_components), sorted(set(path_components)))
        by_place = {(page.depth, page.slug, page.path[: -Page.steplen]): page for page in found}
        parent = self
        for index, slug in enumerate(path_components):
            child = by_place.get((parent.depth + 1, slug, parent.path))
            if child is None:
                raise Http404
            child._cached_parent_obj = parent
            page_class = child.specific_class
            if page_class is None or page_class.route is not Page.route:
                return child.specific.route(request, path_components[index + 1 :])
            parent = child
        if not parent.live:
            raise Http404
        # The page's Page fields came with the path: load only its own class's columns.
        page = parent.get_specific(deferred=True)
        own_fields = page.get_deferred_fields()
        if own_fields:
            page.refresh_from_db(fields=sorted(own_fields))
            # treebeard's refresh_from_db forgets the cached parent; it is the one found above.
            page._cached_parent_obj = parent._cached_parent_obj
        return RouteResult(page)

    def get_context(self, request, *args, **kwargs):
        from home.selectors import home_sections

        context = super().get_context(request, *args, **kwargs)
        context.update(home_sections(request))
        return context


@prepared
def _pages_along(depth_from: int, depth_to: int, slugs: list[str]):
    """Pages with one of ``slugs`` at a depth from ``depth_from`` to ``depth_to`` (the
    candidates along a path, for ``HomePage.route``)."""
    return Page.objects.filter(depth__gte=depth_from, depth__lte=depth_to, slug__in=slugs)
