"""An editor-side panel showing an article's "Was this helpful?" counts and latest comments."""

from __future__ import annotations

from django.urls import reverse

from wagtail.admin.panels import Panel

RECENT_COMMENTS = 10


class FeedbackPanel(Panel):
    """Read-only: the helpful / not helpful counts, views, and the latest comments."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "kb/admin/feedback_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            article = self.instance
            context["article"] = article
            if article.pk:
                context["comments"] = list(
                    article.helpful_votes.exclude(comment="").select_related("user")[:RECENT_COMMENTS]
                )
                context["all_feedback_url"] = reverse("kb_admin:feedback") + f"?article={article.pk}"
            else:
                context["comments"] = []
            return context
