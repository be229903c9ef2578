from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse


class User(AbstractUser):
    """A community member. Staff, moderator and editor powers come from groups (see roles.py)."""

    display_name = models.CharField(
        max_length=80, blank=True, help_text="Shown beside your posts. Leave blank to use your username."
    )
    avatar = models.ImageField(upload_to="avatars/%Y/%m/", blank=True)
    bio = models.CharField(max_length=300, blank=True)
    staff_title = models.CharField(
        "title",
        max_length=60,
        blank=True,
        help_text="Staff only: your team or role, e.g. “Support team”. Signs your official answers.",
    )
    is_banned = models.BooleanField(
        default=False, help_text="Banned members can read but not post, reply, vote or flag."
    )
    banned_reason = models.CharField(max_length=200, blank=True)
    is_placeholder = models.BooleanField(
        default=False, help_text="An imported author who has no login of their own."
    )

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @property
    def initials(self) -> str:
        parts = [p for p in self.name.replace("_", " ").replace(".", " ").split() if p]
        letters = "".join(p[0] for p in parts[:2]) or self.username[:1]
        return letters.upper()

    @property
    def signature(self) -> str:
        """How an official answer is signed: "Sam, Support team" (the name alone without a title)."""
        return f"{self.name}, {self.staff_title}" if self.staff_title else self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile", kwargs={"username": self.username})
