"""The HTML of the two fragments a page repeats dozens of times: a topic's row in a list and the
head and body of a post card.

A topic list shows 25 rows and a long topic 20 to 30 cards. Through Django's template engine each
row cost about 0.5 ms and each card 0.7 ms, most of it looking up variables and evaluating
``{% if %}``s, so on a page rendered from scratch (every page of the long tail) the repeated
fragments were half the rendering time. Here each is one function that builds the same markup
with ``_html`` (``format_html`` without its lazy-string overhead), which escapes every value it is given: a title, a name or a tag with
``<script>`` in it comes out as text (``tests/forum/test_cards.py``).

Everything that varies with the visitor stays in the templates (``forum/includes/post.html``
renders the card's actions around ``post_card``); both functions here show the same thing to
everyone who may see the object. Dates go through the filters the templates used
(``date``, ``timesince``), in the current time zone, so the text is unchanged.
"""

from __future__ import annotations

import html
from typing import Any

from django.utils.dates import MONTHS_3
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.timesince import TIME_STRINGS, timesince
from django.utils.timezone import template_localtime
from django.utils.translation import get_language

from forum.links import reverse_fast

DELETED_USER_NAME = "a deleted user"
KIND_ICONS = {"question": "?", "problem": "!", "idea": "\u2605", "praise": "\u2665"}
VIA_EMAIL = mark_safe(' <span class="via-marker" title="Sent by email">by email</span>')  # Safe: a constant.


def kind_icon(kind: str) -> str:
    """The mark of a topic's kind in lists and on its page."""
    return KIND_ICONS.get(kind, "?")


def _escape(value) -> str:
    """What ``conditional_escape`` gives, without its lazy-string wrapper (a third of a card's
    cost): safe text as it is, anything else through ``html.escape``, as Django's ``escape``."""
    if isinstance(value, SafeData):
        return value
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _html(template: str, *args: Any, **kwargs: Any) -> SafeString:
    """``format_html(template, *args, **kwargs)``: every value escaped (equal output, tested)."""
    return mark_safe(  # Safe: the template is a constant here and every value is escaped.
        template.format(*map(_escape, args), **{key: _escape(value) for key, value in kwargs.items()})
    )


_MONTHS: dict[tuple[str | None, int], str] = {}


def _month(month: int) -> str:
    key = (get_language(), month)
    name = _MONTHS.get(key)
    if name is None:
        name = _MONTHS[key] = str(MONTHS_3[month]).title()
    return name


def full_date(local) -> str:
    """``local|date:"j M Y, H:i"`` ("3 Feb 2026, 09:05"), without the filter's format lookup,
    which cost more than the rest of a card's dates (equal for every month: tested)."""
    return f"{local.day} {_month(local.month)} {local.year:04d}, {local.hour:02d}:{local.minute:02d}"


class _CachedPlural:
    """One of Django's ``TIME_STRINGS`` ("%(num)d minute" / "minutes"), translated once per
    language and number instead of on every use: ``timesince`` with these gives its own text."""

    def __init__(self, key: str):
        self.key = key
        self.memo: dict[tuple[str | None, int], str] = {}

    def __mod__(self, mapping: dict[str, int]) -> str:
        key = (get_language(), mapping["num"])
        text = self.memo.get(key)
        if text is None:
            text = self.memo[key] = str(TIME_STRINGS[self.key] % mapping)
        return text


_TIME_STRINGS = {key: _CachedPlural(key) for key in TIME_STRINGS}


def since(local) -> str:
    """``local|timesince`` (the filter's text and its handling of odd values), with the
    translated units cached: the filter's translation lookups were a third of a row's cost."""
    if not local:
        return ""
    try:
        return timesince(local, time_strings=_TIME_STRINGS)
    except (ValueError, TypeError):
        return ""


def _time(value) -> SafeString:
    """``<time>`` as the templates wrote it: ISO date, the full date as a title, "N ago"."""
    local = template_localtime(value)
    return _html(
        '<time datetime="{}" title="{}">{} ago</time>',
        local.isoformat(),
        full_date(local),
        since(local),
    )


def _join(parts: list[SafeString | str]) -> SafeString:
    return mark_safe("".join(parts))  # Safe: each part is _html's output or a constant here.


def topic_row(topic, index_url: str) -> SafeString:
    """One topic's row in a list (``forum/includes/topic_list_results.html``): its kind, title,
    badges, category, asker, tags, counts and last activity. ``topic`` has its category, author
    and tags loaded (``selectors.with_tags``); ``index_url`` is the topic list's address."""
    kind_display = topic.get_kind_display()
    badges = []
    if topic.official_answer_id:
        badges.append(
            '<span class="badge badge-official" title="Has an official answer">✓ Official answer</span>'
        )
    if topic.accepted_answer_id:
        badges.append(
            '<span class="badge badge-accepted" title="The asker accepted an answer">✓ Accepted</span>'
        )
    if topic.is_locked:
        badges.append('<span class="badge badge-locked">Locked</span>')
    if topic.is_hidden:
        badges.append('<span class="badge badge-hidden">Hidden</span>')
    author = topic.author
    author_name = author.name if author is not None and author.pk else DELETED_USER_NAME
    tags = [
        _html('<a class="tag" href="{}?tag={}">{}</a>', index_url, tag.slug, tag.name)
        for tag in topic.tags.all()
    ]
    return _html(
        '<li class="topic-row kind-{kind}{hidden}">\n'
        '  <span class="kind-mark" title="{kind_display}" aria-hidden="true">{icon}</span>\n'
        '  <div class="topic-row-main">\n'
        '    <h3 class="topic-row-title"><a href="{url}">{title}</a></h3>\n'
        '    <p class="topic-row-meta">\n'
        '      <span class="badge badge-kind">{kind_display}</span>\n'
        '      <span class="badge badge-{status}">{status_display}</span>\n'
        "      {badges}\n"
        '      <span class="muted">in <a href="{category_url}">{category}</a>\n'
        "      · asked by {author}</span>\n"
        "      {tags}\n"
        "    </p>\n"
        "  </div>\n"
        '  <dl class="topic-row-stats">\n'
        "    <div><dt>Replies</dt><dd>{replies}</dd></div>\n"
        "    <div><dt>Me too</dt><dd>{metoo}</dd></div>\n"
        '    <div class="last-activity"><dt>Last activity</dt><dd>{activity}</dd></div>\n'
        "  </dl>\n"
        "</li>\n",
        kind=topic.kind,
        hidden=" is-hidden" if topic.is_hidden else "",
        kind_display=kind_display,
        icon=kind_icon(topic.kind),
        url=topic.get_absolute_url(),
        title=topic.title,
        status=topic.status,
        status_display=topic.get_status_display(),
        badges=_join(badges),
        category_url=topic.category.get_absolute_url(),
        category=topic.category.name,
        author=author_name,
        tags=_join(tags),
        replies=topic.reply_count,
        metoo=topic.metoo_count,
        activity=_time(topic.last_activity_at),
    )


def _avatar(author, css: str = "avatar") -> SafeString:
    if author.avatar:
        inner = _html('<img src="{}" alt="">', author.avatar.url)
    else:
        inner = conditional_escape(author.initials)
    return _html(
        '<a class="{}" href="/u/{}/" aria-hidden="true" tabindex="-1">{}</a>', css, author.username, inner
    )


def post_card(
    post, topic, answer_labels: dict[str, Any] | None, anchor: Any, company_name: str
) -> SafeString:
    """A post card's opening tag, head and body (``forum/includes/post.html`` adds the visitor's
    actions and closes it). ``answer_labels`` is set on the answer cards shown first (with
    ``official``, ``accepted`` and ``accepted_by``); ``anchor`` is False on those cards, so
    ``#post-<id>`` stays unique on the page."""
    labels = answer_labels or {}
    classes = ["post card"]
    if post.is_official:
        classes.append(" is-staff")
    if post.is_hidden:
        classes.append(" is-hidden")
    if answer_labels:
        classes.append(" is-answer")
    if labels.get("official"):
        classes.append(" is-official-answer")
    if labels.get("accepted"):
        classes.append(" is-accepted-answer")
    parts = [
        _html(
            '<article class="{}" id="{}" data-post="{}">\n',
            "".join(classes),
            f"answer-{post.pk}" if anchor is False else f"post-{post.pk}",
            post.pk,
        )
    ]
    if answer_labels:
        label_parts = []
        if labels.get("official"):
            label_parts.append(
                _html(
                    '<span class="answer-label label-official">✓ Official answer from {}</span>', company_name
                )
            )
        if labels.get("accepted"):
            accepted_by = labels.get("accepted_by")
            who = _html("{} for the asker", accepted_by.name) if accepted_by else "the asker"
            label_parts.append(
                _html('<span class="answer-label label-accepted">✓ Accepted by {}</span>', who)
            )
        parts.append(_html('  <div class="answer-labels">{}</div>\n', _join(label_parts)))
    author = post.author
    parts.append('  <header class="post-head">\n')
    if author is not None:
        byline = [_html('<a class="post-author" href="/u/{}/">{}</a>', author.username, author.name)]
        if post.is_official:
            byline.append(
                _html(' <span class="badge badge-staff" title="{} staff">Staff</span>', company_name)
            )
            if author.staff_title:
                byline.append(_html(' <span class="staff-title">{}</span>', author.staff_title))
        if topic.author_id == post.author_id and post.pk != topic.first_post_id:
            byline.append(' <span class="badge">Asker</span>')
        if not answer_labels:
            if post.pk == topic.official_answer_id:
                byline.append(' <span class="badge badge-official">✓ Official answer</span>')
            if post.pk == topic.accepted_answer_id:
                byline.append(' <span class="badge badge-accepted">✓ Accepted</span>')
        parts.append(
            _html('    {}\n      <div class="post-byline">\n        {}\n', _avatar(author), _join(byline))
        )
    else:
        parts.append(
            '    <span class="avatar" aria-hidden="true">?</span>\n'
            '      <div class="post-byline">\n'
            '        <span class="post-author muted">A deleted user</span>\n'
        )
    edited = ""
    if post.edit_count:
        edited = _html(
            ' · <a class="edited-marker" href="{}" title="See the edit history">edited{}</a>',
            reverse_fast("forum:post_revisions", pk=post.pk),
            _html(" {} ago", since(template_localtime(post.edited_at))) if post.edited_at else "",
        )
    parts.append(
        _html(
            '        <span class="post-time muted small">\n'
            '          <a href="{}" title="Link to this post">{} {}</a>{}\n'
            "          {}\n"
            "        </span>\n"
            "      </div>\n",
            post.get_absolute_url(),
            "asked" if post.pk == topic.first_post_id else "replied",
            _time(post.created_at),
            VIA_EMAIL if post.via == "email" else "",
            edited,
        )
    )
    if post.is_hidden:
        reason = post.hidden_reason
        parts.append(
            _html(
                '    <span class="badge badge-hidden" title="{}">Hidden{}</span>\n',
                reason,
                _html(": {}", _truncate(reason, 40)) if reason else "",
            )
        )
    parts.append("  </header>\n")
    # Safe: post.html is stored only by forum.markup (Markdown, then the bleach allowlist).
    body = mark_safe(post.html)  # Safe: stored by forum.markup only (see above).
    parts.append(_html('  <div class="post-body prose">{}</div>\n', body))
    if labels.get("official") and author is not None and post.is_official:
        photo = (
            _html('<img class="signature-photo" src="{}" alt="" width="28" height="28">', author.avatar.url)
            if author.avatar
            else ""
        )
        parts.append(_html('  <p class="post-signature">{}<span>— {}</span></p>\n', photo, author.signature))
    return _join(parts)


def _truncate(text: str, length: int) -> str:
    from django.template.defaultfilters import truncatechars

    return truncatechars(text, length)
