from django.db import models

from wagtail.admin.panels import FieldPanel
from wagtail.models import Page


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

    def get_context(self, request, *args, **kwargs):
        from home.selectors import home_sections

        context = super().get_context(request, *args, **kwargs)
        context.update(home_sections(request))
        return context
