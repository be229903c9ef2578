"""Forms of the community pages. They collect and pre-check input; the services hold the rules
and re-check everything (a form is only one road to a service).

The ask and reply forms carry a honeypot field (``website``, hidden from people by the
``hp-field`` class; bots fill it in) and a one-time ``form_token`` used to turn a double submit
into one topic or reply (see ``forum.views.posting``). The flag, hide, ban and resolve forms
are the moderation actions' (``forum.views.moderation``).
"""

from __future__ import annotations

import re
import uuid

from django import forms
from django.core.exceptions import ValidationError

from forum import markup
from forum.models import Category, Flag, Topic
from forum.selectors import DEFAULT_SORT, SORTS, TopicFilters
from forum.services import moderation, titles
from forum.services import topics as topic_services

MARKDOWN_HELP = (
    "Markdown works: **bold**, *italic*, `code`, lists, > quotes, [links](https://example.com) "
    "and ``` fenced code blocks ```. Mention someone with @username."
)


class HoneypotMixin(forms.Form):
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    form_token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("form_token", uuid.uuid4().hex)

    @property
    def is_bot(self) -> bool:
        return bool((self.data.get("website") or "").strip())

    @property
    def token(self) -> str:
        value = str(self.data.get("form_token") or self.initial.get("form_token") or "")
        return value if re.fullmatch(r"[0-9a-f]{32}", value) else ""


def _source_field(label: str, placeholder: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=markup.MAX_SOURCE_LENGTH,
        help_text=MARKDOWN_HELP,
        widget=forms.Textarea(
            attrs={
                "rows": 10,
                "placeholder": placeholder,
                "data-markdown": "",
                "maxlength": markup.MAX_SOURCE_LENGTH,
            }
        ),
        error_messages={
            "required": "Write something first: the text is empty.",
            "max_length": f"Keep it under {markup.MAX_SOURCE_LENGTH:,} characters (this is %(show_value)d).",
        },
    )


def _validated_title(value: str) -> str:
    try:
        return titles.validate_title(value)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict["title"]) from exc


class AskForm(HoneypotMixin):
    title = forms.CharField(
        label="Title",
        min_length=titles.TITLE_MIN_LENGTH,
        max_length=titles.TITLE_MAX_LENGTH,
        help_text="Say what you need in one sentence, e.g. “How do I download all my invoices at once?”",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "data-similar-source": "",
                "maxlength": titles.TITLE_MAX_LENGTH,
            }
        ),
        error_messages={
            "required": "Give your question a title.",
            "min_length": "Make the title at least %(limit_value)d characters: say what you need in a sentence.",
            "max_length": "Keep the title under %(limit_value)d characters (this is %(show_value)d).",
        },
    )
    source = _source_field("Details", "What did you try, what happened, what did you expect?")
    kind = forms.ChoiceField(
        label="Kind",
        choices=Topic.Kind.choices,
        initial=Topic.Kind.QUESTION,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what kind of topic this is.",
            "invalid_choice": "Choose one of the listed kinds.",
        },
    )
    category = forms.ModelChoiceField(
        label="Category",
        queryset=Category.objects.order_by("order", "name"),
        empty_label="Choose a category…",
        error_messages={
            "required": "Choose a category.",
            "invalid_choice": "Choose one of the listed categories.",
        },
    )
    tags = forms.CharField(
        label="Tags",
        required=False,
        max_length=250,
        help_text=f"Optional: up to {topic_services.MAX_TAGS}, separated by commas, e.g. “invoices, export”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_title(self) -> str:
        return _validated_title(self.cleaned_data["title"])

    def clean_tags(self) -> list[str]:
        try:
            return topic_services.parse_tags(self.cleaned_data.get("tags", ""))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["tags"]) from exc


class ReplyForm(HoneypotMixin):
    source = _source_field("Your reply", "Share what you know. Be kind and specific.")


class EditPostForm(forms.Form):
    title = forms.CharField(
        label="Title",
        required=False,
        max_length=titles.TITLE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"maxlength": titles.TITLE_MAX_LENGTH}),
    )
    source = _source_field("Text", "")

    def __init__(self, *args, is_question: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_question = is_question
        if is_question:
            self.fields["title"].required = True
            self.fields["title"].error_messages["required"] = "Give your question a title."
        else:
            del self.fields["title"]

    def clean_title(self) -> str:
        return _validated_title(self.cleaned_data["title"])


class PreviewForm(forms.Form):
    source = forms.CharField(required=False, max_length=markup.MAX_SOURCE_LENGTH)


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[c for c in Topic.Status.choices if c[0] != Topic.Status.DUPLICATE],
        error_messages={"invalid_choice": "Choose one of the listed statuses."},
    )


class DuplicateForm(forms.Form):
    original = forms.CharField(
        label="Duplicate of",
        max_length=500,
        help_text="The original topic's address or number.",
        error_messages={"required": "Say which topic this one duplicates."},
    )

    def clean_original(self) -> Topic:
        value = self.cleaned_data["original"].strip()
        # A topic number alone, or an address with /t/<number>/ in it; "-5" is neither.
        match = re.fullmatch(r"(\d{1,18})|(?:\S*?/)?t/(\d{1,18})(?:/[^/?#\s]*)?/?(?:[?#]\S*)?", value)
        pk = int(match.group(1) or match.group(2)) if match else None
        topic = Topic.objects.filter(pk=pk).first() if pk else None
        if topic is None:
            raise ValidationError("No topic found at that address or number.")
        return topic


class MoveForm(forms.Form):
    category = forms.ModelChoiceField(
        queryset=Category.objects.order_by("order", "name"),
        error_messages={
            "required": "Choose a category.",
            "invalid_choice": "Choose one of the listed categories.",
        },
    )


FILTER_PARAMETERS = ("kind", "status", "category", "unanswered", "tag", "sort", "page")


def canonical_filter_query(query) -> str | None:
    """The list's address without empty filters and without the default sort (``?kind=idea``,
    not ``?kind=idea&status=&category=&sort=activity``), or None when ``query`` is already
    that. A form submitted without JavaScript is redirected here, so shared links stay short."""
    cleaned = query.copy()
    changed = False
    for name in FILTER_PARAMETERS:
        values = [v for v in cleaned.getlist(name) if v.strip()]
        if name == "sort":
            values = [v for v in values if v != DEFAULT_SORT]
        if name == "page":
            values = [v for v in values if v != "1"]
        if values != cleaned.getlist(name):
            changed = True
            if values:
                cleaned.setlist(name, values)
            else:
                del cleaned[name]
    return cleaned.urlencode() if changed else None


class TopicFilterForm(forms.Form):
    """The list's GET filters. Unknown values never fail the page: they are dropped and
    reported in ``ignored`` so the page can say so."""

    kind = forms.ChoiceField(required=False, choices=[("", "All kinds"), *Topic.Kind.choices])
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *Topic.Status.choices])
    category = forms.ChoiceField(required=False)
    unanswered = forms.BooleanField(required=False, label="Unanswered only")
    tag = forms.CharField(required=False, max_length=100)
    sort = forms.ChoiceField(required=False, choices=[(key, label) for key, (label, _) in SORTS.items()])

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = {c.slug: c for c in categories}
        self.fields["category"].choices = [("", "All categories")] + [(c.slug, c.name) for c in categories]

    def filters(self, *, category: Category | None = None) -> TopicFilters:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        ignored = list(self.errors)
        tag = (data.get("tag") or "").strip().lower()
        if tag and not re.fullmatch(r"[-a-z0-9_]+", tag):
            ignored.append("tag")
            tag = ""
        return TopicFilters(
            kind=data.get("kind") or "",
            status=data.get("status") or "",
            category=category or self.categories.get(data.get("category") or ""),
            unanswered=bool(data.get("unanswered")),
            tag=tag,
            sort=data.get("sort") or DEFAULT_SORT,
            ignored=ignored,
        )


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label="What is wrong with this post?",
        choices=Flag.Reason.choices,
        error_messages={
            "required": "Choose why you are flagging this post.",
            "invalid_choice": "Choose why you are flagging this post.",
        },
    )
    note = forms.CharField(
        label="Anything moderators should know?",
        required=False,
        max_length=moderation.FLAG_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": moderation.FLAG_NOTE_MAX}),
        help_text="Required when you choose \u201cSomething else\u201d.",
    )

    def clean(self):
        data = super().clean()
        if data.get("reason") == Flag.Reason.OTHER and not (data.get("note") or "").strip():
            self.add_error("note", "Say what is wrong when you choose \u201cSomething else\u201d.")
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(required=False, max_length=moderation.HIDE_REASON_MAX)


class BanForm(forms.Form):
    reason = forms.CharField(
        label="Reason (shown to the member)",
        max_length=moderation.BAN_REASON_MAX,
        widget=forms.TextInput(attrs={"maxlength": moderation.BAN_REASON_MAX}),
        error_messages={"required": "Give a reason for the ban."},
    )


class ResolveForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("uphold", "Uphold"), ("dismiss", "Dismiss")],
        error_messages={
            "required": "Choose uphold or dismiss.",
            "invalid_choice": "Choose uphold or dismiss.",
        },
    )
