"""Members' API tokens: create (with scopes), revoke, and the per-token write rate.

Rules:

* A member creates tokens for themselves only, with a name and at least one scope; the plain
  token is returned once and never stored (Wagtail's ``APIToken`` keeps a keyed hash).
* A member revokes their own tokens; a revoked token authenticates nothing.
* Staff scopes (``api.models.STAFF_SCOPES``: pushing mentions) only on a staff member's token.
* ``API_TOKENS_PER_USER`` live tokens at most per member.
* Writes through the API are limited per token (``API_WRITE_RATE_LIMIT``, e.g. ``30/m``), on
  top of the site's own posting limit (``forum.services.posts.post_rate_check``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from wagtail.models import APIToken

from api.models import STAFF_SCOPES, Scope, TokenScopes
from forum import permissions

NAME_MAX_LENGTH = 100


def user_tokens(user):
    """The member's tokens, newest first, with their scopes."""
    return APIToken.objects.filter(user=user).select_related("community_scopes").order_by("-created", "-pk")


@transaction.atomic
def token_create(*, user, name: str, scopes: list[str]) -> tuple[APIToken, str]:
    """A new token for ``user``: ``(token, plaintext)``; the plaintext is shown once."""
    if not permissions.is_signed_in(user):
        raise PermissionDenied("Sign in to create API tokens.")
    name = " ".join((name or "").split())
    errors = {}
    if not name:
        errors["name"] = "Give the token a name, such as the tool that will use it."
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = f"Keep the name under {NAME_MAX_LENGTH} characters."
    chosen = sorted(set(scopes or []))
    if not chosen:
        errors["scopes"] = "Choose at least one thing the token may do."
    elif not set(chosen) <= set(Scope.values):
        errors["scopes"] = "Choose among the listed scopes."
    elif STAFF_SCOPES & set(chosen) and not permissions.is_staff(user):
        errors["scopes"] = "Only staff can give a token the \u201cmentions\u201d scope."
    live = APIToken.objects.filter(user=user, revoked_at__isnull=True).count()
    if live >= settings.API_TOKENS_PER_USER:
        errors["name"] = f"You have {live} live tokens already: revoke one first."
    if errors:
        raise ValidationError(errors)
    token, plaintext = APIToken.create_token(user=user, name=name)
    TokenScopes.objects.create(token=token, scopes=chosen)
    return token, plaintext


def token_revoke(*, user, token_id: int) -> APIToken:
    """Revoke one of ``user``'s own tokens (revoking twice is harmless)."""
    token = (
        APIToken.objects.filter(pk=token_id, user=user).first() if permissions.is_signed_in(user) else None
    )
    if token is None:
        raise PermissionDenied("No such token among yours.")
    if token.revoked_at is None:
        APIToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        token.refresh_from_db()
    return token


def token_scopes(token: APIToken) -> set[str]:
    try:
        return set(token.community_scopes.scopes)
    except TokenScopes.DoesNotExist:
        return set()


def scope_choices(user) -> list[tuple[str, str]]:
    """The scopes ``user`` may give a token, for the tokens form."""
    staff = permissions.is_staff(user)
    return [(value, label) for value, label in Scope.choices if staff or value not in STAFF_SCOPES]


def check_scope(token: APIToken, scope: str) -> None:
    if scope not in token_scopes(token):
        label = Scope(scope).label.lower()
        raise PermissionDenied(f"This token may not {label}: create one with the \u201c{scope}\u201d scope.")
