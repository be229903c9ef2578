"""Writes to a member's own account: profile edits, avatar, and deleting the account.

Rules:

* Only the member edits their own profile (``check_edit_profile``).
* An avatar is a JPEG, PNG, GIF or WebP image no bigger than ``AVATAR_MAX_BYTES`` and
  ``AVATAR_MAX_PIXELS`` (checked from the header, before decoding); it is re-encoded (which
  drops anything hidden in the file) and cut to a 256 px square. A damaged file is refused
  with a message (``AvatarError``), never a server error.
* Deleting an account needs the account's password. The member's posts and topics stay,
  shown as from "a deleted user" (their author becomes NULL); their votes, "me too"s, follows,
  open flags and notifications go, and the counters those moved are moved back: each app does
  that for its own rows when ``accounts.signals.user_deleting`` is sent (the forum in
  ``forum.services.members``). Superusers cannot delete themselves here (someone must keep the
  keys).
"""

from __future__ import annotations

import io
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction

from PIL import Image, ImageOps, UnidentifiedImageError

from accounts import roles
from accounts.signals import user_deleting

logger = logging.getLogger(__name__)

AVATAR_SIZE = 256
AVATAR_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}


def _check_own_account(user, target) -> None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied("Sign in to edit your profile.")
    if user.pk != target.pk:
        raise PermissionDenied("You can only edit your own profile.")


def check_edit_profile(user, target) -> None:
    """Members edit their own name, bio and picture; a banned member cannot (they are shown
    beside posts and on the profile, so a ban would not stop a spammer's advertising)."""
    _check_own_account(user, target)
    if user.is_banned:
        raise PermissionDenied("Your account is suspended: your profile cannot be changed.")


def check_delete_account(user, target) -> None:
    """Anyone may delete their own account, banned or not; superusers not here."""
    _check_own_account(user, target)
    if target.is_superuser:
        raise PermissionDenied("Administrator accounts cannot be deleted here; ask another administrator.")


class AvatarError(ValueError):
    """An upload that cannot be an avatar; ``str()`` is a message for the person."""


class ProcessedAvatar(ContentFile):
    """The re-encoded square JPEG that ``avatar_process`` returns."""


def avatar_check(upload) -> tuple[str, tuple[int, int]]:
    """Read only the image's header and refuse what must not be decoded: formats other than
    ``AVATAR_FORMATS`` and images over ``settings.AVATAR_MAX_PIXELS`` (a small PNG can hold a
    picture that takes hundreds of MB once decoded). Return the format and the size."""
    upload.seek(0)
    try:
        with Image.open(upload, formats=list(AVATAR_FORMATS)) as image:
            kind, size = image.format, image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise AvatarError("That file is not an image we can read. Use a JPEG, PNG, GIF or WebP.") from None
    width, height = size
    limit = settings.AVATAR_MAX_PIXELS
    if width * height > limit:
        raise AvatarError(
            f"That image is {width:,} \u00d7 {height:,} pixels; use one of at most "
            f"{limit / 1_000_000:g} megapixels."
        )
    if width < 1 or height < 1 or kind is None:
        raise AvatarError("That image is empty.")
    return kind, size


def avatar_process(upload) -> ProcessedAvatar:
    """Re-encode an uploaded image as a square JPEG thumbnail; raise ``AvatarError`` for files
    that are not images, are too large (``avatar_check``, before any decoding) or are damaged.

    Memory stays bounded: JPEGs decode at a reduced scale (``draft``), other images are reduced
    by an integer factor before the colour conversion, so only the decoded original (at most
    ``AVATAR_MAX_PIXELS``) and small copies are ever held."""
    avatar_check(upload)
    upload.seek(0)
    try:
        with Image.open(upload, formats=list(AVATAR_FORMATS)) as opened:
            image: Image.Image = opened
            image.draft("RGB", (AVATAR_SIZE * 2, AVATAR_SIZE * 2))  # JPEG only; others ignore it
            image.load()  # decodes: a truncated file raises here
            ImageOps.exif_transpose(image, in_place=True)  # no second full-size copy
            if image.mode not in ("RGB", "RGBA", "L", "LA"):
                image = image.convert("RGBA")
            factor = min(image.size) // (AVATAR_SIZE * 2)
            if factor > 1:
                image = image.reduce(factor)
            image = ImageOps.fit(image.convert("RGBA"), (AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS)
            flat = Image.new("RGB", image.size, (255, 255, 255))  # transparency on white, not black
            flat.paste(image, mask=image.getchannel("A"))
            out = io.BytesIO()
            flat.save(out, format="JPEG", quality=88)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, EOFError):
        raise AvatarError("That image is damaged or incomplete; try saving it again.") from None
    return ProcessedAvatar(out.getvalue(), name="avatar.jpg")


def check_set_staff_title(user) -> None:
    """Only staff sign official answers, so only staff carry a title ("Support team")."""
    if not roles.is_staff_member(user):
        raise PermissionDenied("Only staff members have a title.")


def profile_update(
    *,
    user,
    actor,
    display_name: str,
    bio: str,
    avatar=None,
    remove_avatar: bool = False,
    staff_title: str | None = None,
) -> None:
    """Save ``user``'s display name, bio and avatar (``avatar``: an upload, or what
    ``avatar_process`` made of it; raw uploads are processed here, ``AvatarError`` if bad), and
    for staff their title (``staff_title``; None leaves it as it is)."""
    check_edit_profile(actor, user)
    if staff_title is not None:
        check_set_staff_title(user)
    old_avatar = user.avatar.name if user.avatar else ""
    user.display_name = display_name.strip()
    user.bio = bio.strip()
    fields = ["display_name", "bio"]
    if staff_title is not None:
        user.staff_title = " ".join(staff_title.split())
        fields.append("staff_title")
    if avatar is not None:
        processed = avatar if isinstance(avatar, ProcessedAvatar) else avatar_process(avatar)
        user.avatar.save(processed.name, processed, save=False)
        fields.append("avatar")
    elif remove_avatar and old_avatar:
        user.avatar = ""
        fields.append("avatar")
    user.save(update_fields=fields)
    if old_avatar and "avatar" in fields:
        transaction.on_commit(lambda: _delete_file(user.avatar.storage, old_avatar))


def _delete_file(storage, name: str) -> None:
    try:
        storage.delete(name)
    except OSError:  # a missing file is not worth failing for
        logger.warning("could not delete old avatar %s", name)


def account_delete(*, user, actor) -> None:
    """Delete ``user``'s account, keeping their posts (shown as from "a deleted user").

    The apps built on accounts clean up after themselves on ``user_deleting``, in the same
    transaction, before the row goes."""
    check_delete_account(actor, user)
    avatar_name = user.avatar.name if user.avatar else ""
    with transaction.atomic():
        user_deleting.send(sender=type(user), user=user)
        user.delete()
    if avatar_name:
        transaction.on_commit(lambda: _delete_file(user.avatar.storage, avatar_name))
