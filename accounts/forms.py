from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from allauth.account.forms import LoginForm as AllauthLoginForm
from PIL import Image, UnidentifiedImageError

from accounts import names
from accounts.services import AVATAR_FORMATS

MAX_AVATAR_PIXELS = 40_000_000  # refuse decompression bombs before decoding


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        max_length=80,
        required=False,
        help_text="Shown beside your posts. Leave blank to use your username.",
    )
    bio = forms.CharField(
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="A line or two about you (300 characters at most). Shown on your profile as plain text.",
    )
    avatar = forms.FileField(
        required=False,
        help_text="A JPEG, PNG, GIF or WebP image. We crop it to a square.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
    )
    remove_avatar = forms.BooleanField(required=False, label="Remove my picture and show my initials")
    staff_title = forms.CharField(
        label="Title",
        max_length=60,
        required=False,
        help_text="Your team or role, e.g. “Support team”. Your official answers are signed "
        "with your name, this title and your picture.",
    )

    def __init__(self, *args, user, **kwargs):
        from accounts import roles

        super().__init__(*args, **kwargs)
        self.user = user
        if not roles.is_staff_member(user):
            del self.fields["staff_title"]

    def clean_staff_title(self) -> str:
        title = " ".join(self.cleaned_data["staff_title"].split())
        if title and not any(ch.isalnum() for ch in title):
            raise forms.ValidationError("Use at least one letter or digit in your title.")
        return title

    def clean_display_name(self) -> str:
        """The name normalised (``accounts.names``); refused when another member goes by it,
        or when it looks like the name of a member of staff, a moderator or an editor."""
        from django.db.models import Q

        from accounts.models import User

        name = names.normalise_name(self.cleaned_data["display_name"])
        if not name:
            return name
        if not any(ch.isalnum() for ch in name):
            raise forms.ValidationError("Use at least one letter or digit in your display name.")
        # Nobody may pass for another member (staff in particular) by borrowing their name.
        taken = (
            User.objects.filter(Q(display_name__iexact=name) | Q(username__iexact=name))
            .exclude(pk=self.user.pk)
            .exists()
        )
        if taken:
            raise forms.ValidationError("Another member already goes by that name; choose another.")
        lookalike = names.impersonated_member(name, exclude_pk=self.user.pk)
        if lookalike is not None:
            raise forms.ValidationError(
                f"That name looks too much like \u201c{lookalike.name}\u201d, who speaks for the "
                "community team; choose a name that looks different."
            )
        return name

    def clean_avatar(self):
        upload = self.cleaned_data.get("avatar")
        if not upload:
            return None
        limit = settings.AVATAR_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"That image is {filesizeformat(upload.size)}; the limit is {filesizeformat(limit)}."
            )
        try:
            with Image.open(upload) as image:
                kind = image.format
                width, height = image.size
                if width * height > MAX_AVATAR_PIXELS:
                    raise forms.ValidationError("That image has too many pixels; use a smaller one.")
                image.verify()
        except forms.ValidationError:
            raise
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            raise forms.ValidationError(
                "That file is not an image we can read. Use a JPEG, PNG, GIF or WebP."
            ) from None
        if kind not in AVATAR_FORMATS:
            raise forms.ValidationError(
                f"{kind or 'That'} images are not accepted. Use a JPEG, PNG, GIF or WebP."
            )
        upload.seek(0)
        return upload


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label="I understand: my account goes for good; my posts stay, shown as from \u201ca deleted user\u201d.",
        error_messages={"required": "Tick the box to confirm."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password


class LoginForm(AllauthLoginForm):
    """allauth's sign-in form with plain labels ("Email or username", "Keep me signed in")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Email or username"
        self.fields["password"].label = "Password"
        for name in ("login", "password"):  # the visible labels say it; no placeholder to repeat it
            self.fields[name].widget.attrs.pop("placeholder", None)
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me signed in"
