"""The community in the Wagtail admin: viewsets for categories, topics, posts and flags, bulk
actions, the moderation queue and member bans.

Who sees what comes from the roles (``accounts.roles``) and the rules in ``forum.permissions``,
not from Django model permissions: a role-based permission policy is registered for each model,
and every action calls the same services (``forum.services.moderation``,
``forum.services.topics``) with the same checks as the site.

* Staff: categories (editable), topics (list, search, filters, bulk hide/unhide/lock/unlock).
* Moderators and Staff: posts, flags, the moderation queue, banned members.
* Topics and posts are never created or edited here: writes that keep counters, revisions and
  timelines true go through the site and the services; the admin lists, inspects and moderates.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.text import Truncator
from django.views.decorators.http import require_POST

from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.views.snippets import SnippetViewSet
from wagtail.users.views.bulk_actions.user_bulk_action import UserBulkAction

from accounts import roles
from core.http import safe_next
from forum import permissions, selectors
from forum.models import Category, Flag, Post, Topic
from forum.services import moderation

QUEUE_PER_PAGE = 20


# --- permissions ------------------------------------------------------------------------


class RolePermissionPolicy(BasePermissionPolicy):
    """Model permissions from the site's roles: ``view_groups`` may list and inspect,
    ``manage_groups`` may add, change and delete. Superusers hold every role."""

    def __init__(
        self, model, *, view_groups: tuple[str, ...], manage_groups: tuple[str, ...] = (), can_delete=None
    ):
        super().__init__(model)
        self.view_groups = view_groups
        self.manage_groups = manage_groups
        self.can_delete = can_delete

    def _groups_for(self, action: str) -> tuple[str, ...]:
        if action == "view":
            return tuple(dict.fromkeys(self.view_groups + self.manage_groups))
        if action in ("add", "change", "delete"):
            return self.manage_groups
        return ()

    def user_has_permission(self, user, action: str) -> bool:
        if not (getattr(user, "is_authenticated", False) and user.is_active):
            return False
        if user.is_superuser:
            return action == "view" or (action in ("add", "change", "delete") and bool(self.manage_groups))
        return any(roles.user_in_group(user, name) for name in self._groups_for(action))

    def user_has_any_permission(self, user, actions) -> bool:
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action: str, instance) -> bool:
        if action == "delete" and self.can_delete is not None and not self.can_delete(instance):
            return False
        return self.user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        groups = {name for action in actions for name in self._groups_for(action)}
        return (
            get_user_model()
            .objects.filter(is_active=True)
            .filter(Q(is_superuser=True) | Q(groups__name__in=groups))
            .distinct()
        )

    def instances_user_has_any_permission_for(self, user, actions):
        if self.user_has_any_permission(user, actions):
            return self.model._default_manager.all()
        return self.model._default_manager.none()


STAFF_ONLY = (roles.STAFF,)
MODERATORS = (roles.MODERATORS, roles.STAFF)

category_policy = RolePermissionPolicy(
    Category, view_groups=STAFF_ONLY, manage_groups=STAFF_ONLY, can_delete=lambda c: not c.topics.exists()
)
topic_policy = RolePermissionPolicy(Topic, view_groups=STAFF_ONLY)
post_policy = RolePermissionPolicy(Post, view_groups=MODERATORS)
flag_policy = RolePermissionPolicy(Flag, view_groups=MODERATORS)


# --- categories -------------------------------------------------------------------------


class CategoryAdminForm(WagtailAdminModelForm):
    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        from forum.urls import reserved_category_slugs  # the routes import the views, as this does

        if slug in reserved_category_slugs():
            raise ValidationError(
                f"\u201c{slug}\u201d is used by the community\u2019s own addresses; choose another."
            )
        return slug


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


# --- topics -----------------------------------------------------------------------------


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


# --- posts ------------------------------------------------------------------------------


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


# --- flags ------------------------------------------------------------------------------


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


# --- the moderation queue and bans ------------------------------------------------------


def _admin_action(view):
    """Moderator-only admin POST: refusals become a message and a redirect back."""

    def wrapper(request, *args, **kwargs):
        permissions.check_moderate(request.user)
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(safe_next(request, reverse("forum_moderation:queue")))

    return require_POST(wrapper)


def queue_view(request):
    """Open flags grouped by post, the longest-waiting first."""
    permissions.check_moderate(request.user)
    page = Paginator(selectors.moderation_queue(), QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    return TemplateResponse(
        request,
        "forum/moderation/admin_queue.html",
        {
            "page_title": "Moderation queue",
            "header_title": "Moderation queue",
            "header_icon": "warning",
            "page": page,
            "items": list(page.object_list),
            "threshold": moderation_threshold(),
        },
    )


def moderation_threshold() -> int:
    from django.conf import settings

    return settings.FORUM_FLAGS_TO_HIDE


@_admin_action
def queue_resolve(request, pk: int):
    post = get_object_or_404(Post.objects.select_related("topic"), pk=pk)
    decision = request.POST.get("decision")
    if decision not in ("uphold", "dismiss"):
        raise ValidationError("Choose uphold or dismiss.")
    closed = moderation.post_resolve_flags(user=request.user, post=post, uphold=decision == "uphold")
    verb = "Upheld" if decision == "uphold" else "Dismissed"
    messages.success(
        request, f"{verb} {closed} flag{'s' if closed != 1 else ''} on \u201c{post.topic.title}\u201d."
    )
    return redirect(safe_next(request, reverse("forum_moderation:queue")))


@_admin_action
def queue_hide(request, pk: int):
    post = get_object_or_404(Post.objects.select_related("topic"), pk=pk)
    moderation.post_hide(user=request.user, post=post, reason=request.POST.get("reason", ""))
    messages.success(request, "The post is hidden.")
    return redirect(safe_next(request, reverse("forum_moderation:queue")))


@_admin_action
def queue_unhide(request, pk: int):
    post = get_object_or_404(Post.objects.select_related("topic"), pk=pk)
    moderation.post_unhide(user=request.user, post=post)
    messages.success(request, "The post is visible again.")
    return redirect(safe_next(request, reverse("forum_moderation:queue")))


@_admin_action
def member_ban(request, pk: int):
    target = get_object_or_404(get_user_model(), pk=pk)
    moderation.user_ban(user=request.user, target=target, reason=request.POST.get("reason", ""))
    messages.success(request, f"{target.name} is banned.")
    return redirect(safe_next(request, reverse("forum_moderation:banned")))


@_admin_action
def member_unban(request, pk: int):
    target = get_object_or_404(get_user_model(), pk=pk)
    moderation.user_unban(user=request.user, target=target)
    messages.success(request, f"{target.name} may take part again.")
    return redirect(safe_next(request, reverse("forum_moderation:banned")))


class BanLookupForm(forms.Form):
    username = forms.CharField(max_length=150, label="Username")
    reason = forms.CharField(max_length=moderation.BAN_REASON_MAX, label="Reason (shown to the member)")


def banned_view(request):
    """Banned members, with unban; and a form to ban anyone by username."""
    permissions.check_moderate(request.user)
    form = BanLookupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        target = get_user_model().objects.filter(username=form.cleaned_data["username"]).first()
        if target is None:
            form.add_error("username", "No member has that username.")
        else:
            try:
                moderation.user_ban(user=request.user, target=target, reason=form.cleaned_data["reason"])
            except PermissionDenied as exc:
                form.add_error("username", str(exc))
            except ValidationError as exc:
                form.add_error("reason", exc.messages)
            else:
                messages.success(request, f"{target.name} is banned.")
                return redirect("forum_moderation:banned")
    query = (request.GET.get("q") or "").strip()[:150]
    banned = get_user_model().objects.filter(is_banned=True).order_by("username")
    if query:
        banned = banned.filter(Q(username__icontains=query) | Q(display_name__icontains=query))
    page = Paginator(banned, 50).get_page(request.GET.get("page"))
    return TemplateResponse(
        request,
        "forum/moderation/admin_banned.html",
        {
            "page_title": "Banned members",
            "header_title": "Banned members",
            "header_icon": "user",
            "page": page,
            "form": form,
            "query": query,
        },
        status=400 if form.errors else 200,
    )


class ModerationViewSet(ViewSet):
    """The moderation queue (open flags grouped by post) and the banned members list."""

    name = "forum_moderation"
    url_prefix = "community/moderation"
    icon = "warning"
    menu_label = "Moderation queue"

    def get_urlpatterns(self):
        return [
            path("", queue_view, name="queue"),
            path("posts/<int:pk>/resolve/", queue_resolve, name="resolve"),
            path("posts/<int:pk>/hide/", queue_hide, name="hide"),
            path("posts/<int:pk>/unhide/", queue_unhide, name="unhide"),
            path("banned/", banned_view, name="banned"),
            path("members/<int:pk>/ban/", member_ban, name="ban"),
            path("members/<int:pk>/unban/", member_unban, name="unban"),
        ]

    def get_menu_item(self, order=None):
        return QueueCountMenuItem(
            self.menu_label,
            reverse("forum_moderation:queue"),
            name="moderation-queue",
            icon_name=self.icon,
            order=order or 100,
        )


class QueueMenuItem(MenuItem):
    def is_shown(self, request):
        return permissions.is_moderator(request.user)


class QueueCountMenuItem(QueueMenuItem):
    """The queue's entry, with how many posts wait in it (one count query)."""

    def render_component(self, request):
        from wagtail.admin.menu import LinkMenuItemComponent

        waiting = selectors.open_flag_total()
        label = f"{self.label} ({waiting})" if waiting else self.label
        return LinkMenuItemComponent(
            self.name, label, self.url, icon_name=self.icon_name, classname=self.classname, attrs=self.attrs
        )


class BannedMembersViewSet(ViewSet):
    """A menu entry for the banned members list (its views live in ModerationViewSet)."""

    name = "forum_banned"
    icon = "user"
    menu_label = "Banned members"

    def get_urlpatterns(self):
        return []

    def get_menu_item(self, order=None):
        return QueueMenuItem(
            self.menu_label,
            reverse("forum_moderation:banned"),
            name="banned-members",
            icon_name=self.icon,
            order=order or 600,
        )


class CommunityViewSetGroup(ViewSetGroup):
    menu_label = "Community"
    menu_icon = "group"
    menu_name = "community"
    menu_order = 150
    items = (ModerationViewSet, TopicViewSet, PostViewSet, FlagViewSet, CategoryViewSet, BannedMembersViewSet)


# --- bulk actions -----------------------------------------------------------------------


class ForumBulkAction(SnippetBulkAction):
    """A bulk action that calls a service per object, with the site's permission check.

    Each concrete action defines ``apply(cls, *, user, obj, form) -> bool`` (a classmethod that
    calls one service and says whether the object changed), plus ``check`` and ``verb``."""

    template_name = "forum/moderation/admin_confirm_bulk.html"
    check = None  # a forum.permissions check_* taking (user, obj)
    verb = ""

    def check_perm(self, obj):
        return permissions.allowed(type(self).check, self.request.user, obj)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({"verb": self.verb, "action_label": self.display_name})
        return context

    def get_execution_context(self):
        return {**super().get_execution_context(), "user": self.request.user}

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        changed = sum(1 for obj in objects if cls.apply(user=user, obj=obj, form=kwargs["self"].cleaned_form))
        return changed, 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        label = (
            self.model._meta.verbose_name if num_parent_objects == 1 else self.model._meta.verbose_name_plural
        )
        return f"{self.verb.capitalize()} {num_parent_objects} {label}."


class HideReasonForm(forms.Form):
    reason = forms.CharField(
        required=False, max_length=moderation.HIDE_REASON_MAX, label="Reason (optional, kept for staff)"
    )


def _hide_check(user, obj):
    permissions.check_hide(user, obj)


def _lock_check(user, obj):
    permissions.check_lock(user, obj)


class HideTopicsBulkAction(ForumBulkAction):
    display_name = "Hide"
    action_type = "forum_hide_topics"
    aria_label = "Hide the selected topics"
    models = [Topic]
    form_class = HideReasonForm
    check = staticmethod(_hide_check)
    verb = "hid"
    action_priority = 10

    @classmethod
    def apply(cls, *, user, obj, form):
        return moderation.topic_hide(user=user, topic=obj, reason=form.cleaned_data.get("reason", ""))


class UnhideTopicsBulkAction(ForumBulkAction):
    display_name = "Unhide"
    action_type = "forum_unhide_topics"
    aria_label = "Show the selected topics again"
    models = [Topic]
    check = staticmethod(_hide_check)
    verb = "unhid"
    action_priority = 20

    @classmethod
    def apply(cls, *, user, obj, form):
        return moderation.topic_unhide(user=user, topic=obj)


class LockTopicsBulkAction(ForumBulkAction):
    display_name = "Lock"
    action_type = "forum_lock_topics"
    aria_label = "Lock the selected topics"
    models = [Topic]
    check = staticmethod(_lock_check)
    verb = "locked"
    action_priority = 30

    @classmethod
    def apply(cls, *, user, obj, form):
        from forum.services import topics

        if obj.is_locked:
            return False
        topics.topic_lock(actor=user, topic=obj)
        return True


class UnlockTopicsBulkAction(ForumBulkAction):
    display_name = "Unlock"
    action_type = "forum_unlock_topics"
    aria_label = "Unlock the selected topics"
    models = [Topic]
    check = staticmethod(_lock_check)
    verb = "unlocked"
    action_priority = 40

    @classmethod
    def apply(cls, *, user, obj, form):
        from forum.services import topics

        if not obj.is_locked:
            return False
        topics.topic_unlock(actor=user, topic=obj)
        return True


class HidePostsBulkAction(ForumBulkAction):
    display_name = "Hide"
    action_type = "forum_hide_posts"
    aria_label = "Hide the selected posts"
    models = [Post]
    form_class = HideReasonForm
    check = staticmethod(_hide_check)
    verb = "hid"
    action_priority = 10

    @classmethod
    def apply(cls, *, user, obj, form):
        return moderation.post_hide(user=user, post=obj, reason=form.cleaned_data.get("reason", ""))


class UnhidePostsBulkAction(ForumBulkAction):
    display_name = "Unhide"
    action_type = "forum_unhide_posts"
    aria_label = "Show the selected posts again"
    models = [Post]
    check = staticmethod(_hide_check)
    verb = "unhid"
    action_priority = 20

    @classmethod
    def apply(cls, *, user, obj, form):
        return moderation.post_unhide(user=user, post=obj)


def _moderate_check(user, obj):
    permissions.check_moderate(user)


class _ResolveFlagsBulkAction(ForumBulkAction):
    """Acts on the posts of the selected flags: every open flag on each post is resolved."""

    models = [Flag]
    check = staticmethod(_moderate_check)
    uphold = False

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        posts = {flag.post_id: flag.post for flag in objects if flag.state == Flag.State.OPEN}
        closed = sum(
            moderation.post_resolve_flags(user=user, post=post, uphold=cls.uphold) for post in posts.values()
        )
        return closed, 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return f"{self.verb.capitalize()} {num_parent_objects} open flag{'s' if num_parent_objects != 1 else ''}."


class UpholdFlagsBulkAction(_ResolveFlagsBulkAction):
    display_name = "Uphold"
    action_type = "forum_uphold_flags"
    aria_label = "Uphold the selected flags and keep their posts hidden"
    verb = "upheld"
    uphold = True
    action_priority = 10


class DismissFlagsBulkAction(_ResolveFlagsBulkAction):
    display_name = "Dismiss"
    action_type = "forum_dismiss_flags"
    aria_label = "Dismiss the selected flags and show posts the flags hid"
    verb = "dismissed"
    action_priority = 20


# --- bans from the Users listing (for admins who manage users) ------------------------------


class BanReasonForm(forms.Form):
    reason = forms.CharField(max_length=moderation.BAN_REASON_MAX, label="Reason (shown to the members)")


def _ban_check(user, target):
    permissions.check_ban(user, target)


class BanUsersBulkAction(UserBulkAction):
    display_name = "Ban"
    action_type = "forum_ban_users"
    aria_label = "Ban the selected members from posting"
    template_name = "forum/moderation/admin_confirm_bulk.html"
    form_class = BanReasonForm
    action_priority = 60

    def check_perm(self, obj):
        return permissions.allowed(_ban_check, self.request.user, obj) and not obj.is_banned

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "action_label": self.display_name}

    def get_execution_context(self):
        return {"user": self.request.user, "reason": self.cleaned_form.cleaned_data["reason"]}

    @classmethod
    def execute_action(cls, objects, user=None, reason="", **kwargs):
        for target in objects:
            moderation.user_ban(user=user, target=target, reason=reason)
        return len(objects), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return f"Banned {num_parent_objects} member{'s' if num_parent_objects != 1 else ''}."


class UnbanUsersBulkAction(UserBulkAction):
    display_name = "Lift ban"
    action_type = "forum_unban_users"
    aria_label = "Lift the ban on the selected members"
    template_name = "forum/moderation/admin_confirm_bulk.html"
    action_priority = 61

    def check_perm(self, obj):
        return permissions.allowed(_ban_check, self.request.user, obj) and obj.is_banned

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "action_label": self.display_name}

    def get_execution_context(self):
        return {"user": self.request.user}

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        for target in objects:
            moderation.user_unban(user=user, target=target)
        return len(objects), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return f"Lifted the ban on {num_parent_objects} member{'s' if num_parent_objects != 1 else ''}."


BULK_ACTIONS = [
    BanUsersBulkAction,
    UnbanUsersBulkAction,
    HideTopicsBulkAction,
    UnhideTopicsBulkAction,
    LockTopicsBulkAction,
    UnlockTopicsBulkAction,
    HidePostsBulkAction,
    UnhidePostsBulkAction,
    UpholdFlagsBulkAction,
    DismissFlagsBulkAction,
]
