"""What a bearer token may do. The token itself is Wagtail's ``APIToken`` (a hashed key, an
owner, last use, revocation); this adds the scopes its owner chose when creating it."""

from __future__ import annotations

from django.db import models


class Scope(models.TextChoices):
    POST = "post", "Ask questions and reply"
    REACT = "react", "Say \u201cme too\u201d, vote and follow"
    MANAGE = "manage", "Accept answers; for staff also mark official answers and set statuses"
    MENTIONS = "mentions", "Push mentions found elsewhere into the triage queue (staff)"


#: Scopes only staff may give a token: what they allow is staff work.
STAFF_SCOPES = frozenset({Scope.MENTIONS.value})


class TokenScopes(models.Model):
    token = models.OneToOneField(
        "wagtailcore.APIToken", on_delete=models.CASCADE, primary_key=True, related_name="community_scopes"
    )
    scopes = models.JSONField(default=list, help_text="Scope values (see api.models.Scope).")

    class Meta:
        verbose_name = "API token scopes"
        verbose_name_plural = "API token scopes"

    def __str__(self) -> str:
        return f"Scopes of token {self.token_id}: {', '.join(self.scopes) or 'none'}"

    def allows(self, scope: str) -> bool:
        return scope in self.scopes
