"""Demo accounts for development. Every account's password is DEMO_PASSWORD."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from allauth.account.models import EmailAddress

from accounts import roles

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - a published demo password, dev only

# (username, email, display name, groups, superuser)
DEMO_ACCOUNTS = [
    ("customer", "customer@example.com", "Casey Customer", [], False),
    ("staff", "staff@example.com", "Sam from Support", [roles.STAFF], False),
    ("moderator", "moderator@example.com", "Morgan Moderator", [roles.MODERATORS], False),
    ("editor", "editor@example.com", "Eddie Editor", [roles.EDITORS], False),
    ("admin", "admin@example.com", "Ada Admin", [], True),
]


def seed(log=print) -> dict[str, object]:
    """Create (or leave as they are) the demo accounts; return them by username."""
    User = get_user_model()
    users: dict[str, object] = {}
    for username, email, display_name, groups, superuser in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": email,
                "display_name": display_name,
                "is_superuser": superuser,
                "is_staff": superuser,
                # Official answers are signed "Sam from Support, Support team".
                "staff_title": "Support team" if roles.STAFF in groups else "",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            log(f"  created account {email}")
        for name in groups:
            user.groups.add(Group.objects.get(name=name))
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        users[username] = user
    return users
