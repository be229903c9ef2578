"""The admin's forms: a category's slug check, the bulk actions' reason fields and the ban
form of the banned members screen. The rules stay in ``forum.services.moderation``; these only
collect and bound the input."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from wagtail.admin.forms import WagtailAdminModelForm

from forum.services import moderation
from forum.slugs import reserved_category_slugs


class CategoryAdminForm(WagtailAdminModelForm):
    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug in reserved_category_slugs():
            raise ValidationError(
                f"\u201c{slug}\u201d is used by the community\u2019s own addresses; choose another."
            )
        return slug


class BanLookupForm(forms.Form):
    username = forms.CharField(max_length=150, label="Username")
    reason = forms.CharField(max_length=moderation.BAN_REASON_MAX, label="Reason (shown to the member)")


class HideReasonForm(forms.Form):
    reason = forms.CharField(
        required=False, max_length=moderation.HIDE_REASON_MAX, label="Reason (optional, kept for staff)"
    )


class BanReasonForm(forms.Form):
    reason = forms.CharField(max_length=moderation.BAN_REASON_MAX, label="Reason (shown to the members)")
