"""The community's models in the Wagtail admin: snippet viewsets for categories, topics, posts
and flags, grouped under the "Community" menu with the moderation screens
(``forum.admin.moderation``).

Topics and posts are never created or edited here: writes that keep counters, revisions and
timelines true go through the site and the services; the admin lists, inspects and moderates
(``forum.admin.bulk_actions``). Who sees what: ``forum.admin.policies``.
"""

from __future__ import annotations

from django.utils.functional import cached_property
from django.utils.text import Truncator

from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.snippets.views.snippets import SnippetViewSet

from forum.admin.forms import CategoryAdminForm
from forum.admin.moderation import BannedMembersViewSet, ModerationViewSet
from forum.admin.policies import category_policy, flag_policy, post_policy, topic_policy
from forum.models import Category, Flag, Post, Topic


class CategoryViewSet(SnippetViewSet):
    model = Category
    icon = "folder-open-inverse"
    menu_label = "Categories"
    url_prefix = "community/categories"
    url_namespace = "forum_categories"
    list_display = ["name", "slug", Column("topic_count", label="Visible topics"), "order"]
    search_fields = ["name", "description"]
    search_backend_name = None
    ordering = ["order", "name"]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description"), FieldPanel("order")],
        base_form_class=CategoryAdminForm,
    )

    @cached_property
    def permission_policy(self):
        return category_policy


class SiteLinkColumn(Column):
    """The object's title, linking to it on the site."""

    cell_template_name = "forum/moderation/admin_site_link_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["url"] = instance.get_absolute_url()
        return context


class TopicViewSet(SnippetViewSet):
    model = Topic
    icon = "help"
    menu_label = "Topics"
    url_prefix = "community/topics"
    url_namespace = "forum_topics"
    list_display = [
        SiteLinkColumn("title", label="Title"),
        "kind",
        "status",
        "category",
        "author",
        Column("reply_count", label="Replies"),
        Column("metoo_count", label="Me too"),
        Column("view_count", label="Views"),
        BooleanColumn("is_hidden", label="Hidden"),
        BooleanColumn("is_locked", label="Locked"),
        DateColumn("last_activity_at", label="Last activity"),
    ]
    list_filter = ["kind", "status", "category", "is_hidden"]
    # The index view searches through the project's search backend (the model's search_fields).
    ordering = ["-last_activity_at", "-id"]
    list_per_page = 50
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_fields = [
        "title",
        "kind",
        "status",
        "category",
        "author",
        "created_at",
        "last_activity_at",
        "reply_count",
        "metoo_count",
        "vote_count",
        "view_count",
        "follower_count",
        "flag_count",
        "is_hidden",
        "is_locked",
        "duplicate_of",
        "official_answer",
        "accepted_answer",
        "faq_page",
    ]
    form_fields = ["title"]  # never shown: nobody has "change" on topics here

    def get_queryset(self, request):
        return Topic.objects.select_related("category", "author")

    @cached_property
    def permission_policy(self):
        return topic_policy


class PostViewSet(SnippetViewSet):
    model = Post
    icon = "comment"
    menu_label = "Posts"
    url_prefix = "community/posts"
    url_namespace = "forum_posts"
    list_display = [
        SiteLinkColumn("text", label="Post", accessor=lambda post: Truncator(post.text).chars(90)),
        Column("topic", label="Topic"),
        "author",
        BooleanColumn("is_official", label="Staff"),
        BooleanColumn("is_hidden", label="Hidden"),
        Column("flag_count", label="Open flags"),
        Column("vote_count", label="Votes"),
        DateColumn("created_at", label="Posted"),
    ]
    list_filter = ["is_hidden", "is_official"]
    search_fields = ["text"]
    search_backend_name = None
    ordering = ["-created_at", "-id"]
    list_per_page = 50
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_fields = [
        "topic",
        "author",
        "created_at",
        "edited_at",
        "edit_count",
        "is_official",
        "is_hidden",
        "hidden_by",
        "hidden_at",
        "hidden_reason",
        "vote_count",
        "flag_count",
        "text",
    ]
    form_fields = ["source"]  # never shown: posts are edited on the site, with revisions

    def get_queryset(self, request):
        return Post.objects.select_related("topic", "author")

    @cached_property
    def permission_policy(self):
        return post_policy


class FlagViewSet(SnippetViewSet):
    model = Flag
    icon = "warning"
    menu_label = "Flags"
    url_prefix = "community/flags"
    url_namespace = "forum_flags"
    list_display = [
        Column("post", label="Post", accessor=lambda flag: Truncator(flag.post.text).chars(80)),
        "reason",
        Column("note", label="Note"),
        Column("reporter", label="Reported by"),
        "state",
        DateColumn("created_at", label="Reported"),
        Column("resolved_by", label="Resolved by"),
    ]
    list_filter = ["state", "reason"]
    search_fields = ["note", "reporter__username", "post__text"]
    search_backend_name = None
    ordering = ["-created_at", "-id"]
    list_per_page = 50
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = ["note"]  # never shown: flags are resolved through the queue or bulk actions

    def get_queryset(self, request):
        return Flag.objects.select_related("post", "post__topic", "reporter", "resolved_by")

    @cached_property
    def permission_policy(self):
        return flag_policy


class CommunityViewSetGroup(ViewSetGroup):
    menu_label = "Community"
    menu_icon = "group"
    menu_name = "community"
    menu_order = 150
    items = (ModerationViewSet, TopicViewSet, PostViewSet, FlagViewSet, CategoryViewSet, BannedMembersViewSet)
