"""The FAQ in the Wagtail admin: the "code-block" rich text feature, a topic chooser for
related topics, the FAQ menu (for Editors and Staff) and its report URLs."""

from django.urls import include, path, reverse

import wagtail.admin.rich_text.editors.draftail.features as draftail_features
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.rich_text.converters.html_to_contentstate import BlockElementHandler
from wagtail.admin.viewsets.chooser import ChooserViewSet

from kb import admin_views


@hooks.register("register_rich_text_features")
def register_code_block_feature(features):
    """Multi-line code, stored as ``<pre>``: answers often carry commands and config."""
    feature_name = "code-block"
    features.register_editor_plugin(
        "draftail",
        feature_name,
        draftail_features.BlockFeature(
            {"type": "code-block", "label": "{ }", "description": "Code block"},
        ),
    )
    features.register_converter_rule(
        "contentstate",
        feature_name,
        {
            "from_database_format": {"pre": BlockElementHandler("code-block")},
            "to_database_format": {"block_map": {"code-block": "pre"}},
        },
    )


class TopicChooserViewSet(ChooserViewSet):
    model = "forum.Topic"
    icon = "help"
    choose_one_text = "Choose a community topic"
    choose_another_text = "Choose another topic"
    per_page = 20

    def get_object_list(self):
        return self.model_class.objects.visible().order_by("-popularity", "-id")


topic_chooser_viewset = TopicChooserViewSet("kb_topic_chooser", url_prefix="kb/topic-chooser")


@hooks.register("register_admin_viewset")
def register_topic_chooser():
    return topic_chooser_viewset


class CuratorMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_curate(request.user)


class CuratorSubmenuMenuItem(SubmenuMenuItem):
    def is_shown(self, request):
        return admin_views.can_curate(request.user) and super().is_shown(request)


@hooks.register("register_admin_menu_item")
def register_faq_menu():
    items = [
        CuratorMenuItem(
            "Candidates", reverse("kb_admin:candidates"), name="faq-candidates", icon_name="pick", order=100
        ),
        CuratorMenuItem(
            "To review", reverse("kb_admin:review"), name="faq-review", icon_name="time", order=200
        ),
        CuratorMenuItem(
            "Least helpful",
            reverse("kb_admin:least_helpful"),
            name="faq-least-helpful",
            icon_name="warning",
            order=300,
        ),
        CuratorMenuItem(
            "Feedback", reverse("kb_admin:feedback"), name="faq-feedback", icon_name="comment", order=400
        ),
    ]
    return CuratorSubmenuMenuItem("FAQ", Menu(items=items), name="faq", icon_name="help", order=250)


def _report_urls(prefix: str, view_class, name: str):
    return [
        path(f"{prefix}/", view_class.as_view(), name=name),
        path(f"{prefix}/results/", view_class.as_view(results_only=True), name=f"{name}_results"),
    ]


@hooks.register("register_admin_urls")
def register_faq_admin_urls():
    urls = [
        *_report_urls("candidates", admin_views.CandidatesReportView, "candidates"),
        *_report_urls("review", admin_views.ReviewReportView, "review"),
        *_report_urls("least-helpful", admin_views.LeastHelpfulReportView, "least_helpful"),
        *_report_urls("feedback", admin_views.FeedbackReportView, "feedback"),
        path("promote/<int:topic_id>/", admin_views.PromoteView.as_view(), name="promote"),
    ]
    return [path("faq/", include((urls, "kb_admin"), namespace="kb_admin"))]
