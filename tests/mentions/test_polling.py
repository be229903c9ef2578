"""Polling sources over real HTTP from a loopback server: formats, faults, limits, SSRF."""

from __future__ import annotations

import socket

from django.core.management import call_command

import pytest

from mentions import fetching, services
from mentions.models import Mention, Source

from .conftest import ATOM, HOSTILE, MALFORMED, RSS, WRONG_ENCODING, huge_feed

pytestmark = pytest.mark.django_db


def make_source(url: str, keywords: str = "Acme Cloud", **kwargs) -> Source:
    return Source.objects.create(
        name=kwargs.pop("name", url[-40:]), feed_url=url, keywords=keywords, **kwargs
    )


def test_rss_entries_that_match_a_keyword_become_mentions(feeds):
    feeds.add("/rss", RSS, headers={"Content-Type": "application/rss+xml"})
    source = make_source(feeds.url("/rss"))
    result = services.poll_source(source)
    assert result.error == ""
    assert result.new == 2
    assert result.skipped == 1  # the gardening post names no keyword
    mention = Mention.objects.get(url="https://blogs.example/a")
    assert mention.title == "Acme Cloud sync is broken again"
    assert mention.keywords == ["Acme Cloud"]
    assert mention.kind == Mention.Kind.PROBLEM
    assert mention.sentiment == Mention.Sentiment.NEGATIVE
    assert mention.published_at.isoformat() == "2026-11-30T08:15:00+00:00"
    assert mention.source == source and mention.status == Mention.Status.NEW
    source.refresh_from_db()
    assert source.error_count == 0 and source.last_success_at is not None
    assert source.next_poll_at > source.last_polled_at


def test_atom_entries_keep_author_and_link(feeds):
    feeds.add("/atom", ATOM, headers={"Content-Type": "application/atom+xml"})
    services.poll_source(make_source(feeds.url("/atom")))
    mention = Mention.objects.get()
    assert mention.author_name == "Ana"
    assert mention.author_url == "https://social.example/@ana"
    assert mention.url == "https://social.example/@ana/1"
    assert mention.kind == Mention.Kind.PRAISE
    assert mention.sentiment == Mention.Sentiment.POSITIVE
    assert mention.language == "en"


def test_polling_again_duplicates_nothing(feeds):
    feeds.add("/rss", RSS)
    source = make_source(feeds.url("/rss"))
    services.poll_source(source)
    again = services.poll_source(source)
    assert again.new == 0 and again.error == ""
    assert Mention.objects.count() == 2


def test_not_modified_sends_the_validators_and_changes_nothing(feeds):
    feeds.add("/etag", RSS, headers={"ETag": '"v1"', "Last-Modified": "Mon, 30 Nov 2026 08:00:00 GMT"})
    source = make_source(feeds.url("/etag"))
    services.poll_source(source)
    source.refresh_from_db()
    assert source.etag == '"v1"'
    result = services.poll_source(source)
    assert result.not_modified and result.new == 0 and result.error == ""
    path, headers = feeds.requests[-1]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Mon, 30 Nov 2026 08:00:00 GMT"


def test_a_server_error_is_kept_on_the_source_and_backs_off(feeds):
    feeds.add("/down", b"oops", status=500)
    source = make_source(feeds.url("/down"), poll_minutes=10)
    first = services.poll_source(source)
    assert first.error == "The server answered 500."
    source.refresh_from_db()
    assert source.error_count == 1 and source.last_error == "The server answered 500."
    first_wait = source.next_poll_at - source.last_polled_at
    services.poll_source(source)
    source.refresh_from_db()
    assert source.error_count == 2
    assert source.next_poll_at - source.last_polled_at > first_wait  # backs off further


def test_a_failing_source_never_stops_the_others(feeds):
    feeds.add("/down", b"", status=500)
    feeds.add("/rss", RSS)
    make_source(feeds.url("/down"), name="broken")
    make_source(feeds.url("/rss"), name="fine")
    results = {r.source.name: r for r in services.poll_due()}
    assert results["broken"].error
    assert results["fine"].new == 2


def test_malformed_xml_is_an_error_not_a_crash(feeds):
    feeds.add("/bad", MALFORMED, headers={"Content-Type": "text/html"})
    result = services.poll_source(make_source(feeds.url("/bad")))
    assert result.error.startswith("This is not a feed that could be read")
    assert not Mention.objects.exists()


def test_a_wrong_encoding_is_still_read(feeds):
    feeds.add("/latin", WRONG_ENCODING, headers={"Content-Type": "application/rss+xml; charset=utf-8"})
    result = services.poll_source(make_source(feeds.url("/latin")))
    assert result.error == ""
    mention = Mention.objects.get()
    assert "caf" in mention.text.lower()


def test_a_huge_feed_is_refused_by_size(feeds, settings):
    settings.MENTIONS_MAX_FEED_BYTES = 64 * 1024
    feeds.add("/huge", huge_feed(200 * 1024))
    result = services.poll_source(make_source(feeds.url("/huge")))
    assert result.error == "The feed is larger than 64 KB."
    assert not Mention.objects.exists()


def test_a_huge_gzipped_feed_is_refused_by_its_unpacked_size(feeds, settings):
    settings.MENTIONS_MAX_FEED_BYTES = 64 * 1024
    feeds.add("/bomb", huge_feed(400 * 1024), headers={"gzip": "1"})
    result = services.poll_source(make_source(feeds.url("/bomb")))
    assert result.error == "The feed is larger than 64 KB."


def test_a_redirect_loop_stops(feeds, settings):
    settings.MENTIONS_MAX_REDIRECTS = 3
    feeds.add("/loop-a", status=302, headers={"Location": "/loop-b"})
    feeds.add("/loop-b", status=302, headers={"Location": "/loop-a"})
    result = services.poll_source(make_source(feeds.url("/loop-a")))
    assert result.error == "More than 3 redirects."
    assert len(feeds.requests) == 4


def test_a_redirect_is_followed(feeds):
    feeds.add("/old", status=301, headers={"Location": "/new"})
    feeds.add("/new", RSS)
    result = services.poll_source(make_source(feeds.url("/old")))
    assert result.new == 2


def test_hostile_html_in_entries_is_neutralised(feeds):
    feeds.add("/hostile", HOSTILE)
    services.poll_source(make_source(feeds.url("/hostile")))
    mention = Mention.objects.get()  # the javascript: link entry is not taken in
    assert mention.url == "https://evil.example/1"
    for bad in ("<script", "onclick", "onerror", "javascript:", "<iframe"):
        assert bad not in mention.html
        assert bad not in mention.title
    assert "Acme Cloud" in mention.text


def test_private_addresses_are_refused(feeds, settings):
    feeds.add("/rss", RSS)
    settings.MENTIONS_ALLOW_PRIVATE_ADDRESSES = False
    source = make_source(feeds.url("/rss"))
    result = services.poll_source(source)
    assert result.error == "Refused: 127.0.0.1 is a private, loopback or reserved address."
    assert feeds.requests == []
    for url in (
        "http://localhost/feed",
        "http://10.0.0.5/feed",
        "http://[::1]/feed",
        "http://169.254.169.254/x",
    ):
        with pytest.raises(fetching.BlockedAddress):
            fetching.validate_feed_url(url)


def test_a_name_that_resolves_to_a_private_address_is_refused_at_connect(feeds, settings, monkeypatch):
    """The check is made on the connected socket, so a public-looking name that resolves to
    loopback (DNS rebinding) is refused too, and nothing is requested."""
    feeds.add("/rss", RSS)
    settings.MENTIONS_ALLOW_PRIVATE_ADDRESSES = False
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        return real("127.0.0.1" if host == "feeds.example" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(fetching.BlockedAddress):
        fetching.fetch(f"http://feeds.example:{feeds.port}/rss")
    assert feeds.requests == []


def test_redirects_to_a_private_address_are_refused(feeds, settings, monkeypatch):
    feeds.add("/rss", RSS)
    settings.MENTIONS_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(fetching.BlockedAddress):
        fetching.validate_feed_url(feeds.url("/rss"))


def test_only_http_addresses_are_fetched():
    for url in ("file:///etc/passwd", "ftp://example.com/feed", "gopher://x", "http://user:pw@example.com/"):
        with pytest.raises(fetching.FetchError):
            fetching.validate_feed_url(url)


def test_reposts_with_near_identical_text_collapse(feeds):
    text = (
        "Since the last update the Acme Cloud app on my Android phone stops syncing after a few minutes. "
        "I reinstalled twice, still broken."
    )
    first = services.Entry(url="https://blog.example/1", title="Sync broken", html=f"<p>{text}</p>")
    repost = services.Entry(url="https://social.example/9", title="Sync broken", html=f"<p>{text} #acme</p>")
    other = services.Entry(
        url="https://other.example/2",
        title="Dark mode",
        html="<p>Acme Cloud needs a dark mode for the web app please, it would be nice to have one soon.</p>",
    )
    made = services.ingest([first, repost, other], source=None, keywords=["Acme Cloud"])
    assert [m.duplicate_of_id for m in made] == [None, made[0].pk, None]
    made[0].refresh_from_db()
    assert made[0].repost_count == 1


def test_poll_mentions_command_reports_progress_and_a_total(feeds):
    feeds.add("/rss", RSS)
    feeds.add("/down", status=500)
    ok = make_source(feeds.url("/rss"), name="Blogs")
    make_source(feeds.url("/down"), name="Broken")
    from io import StringIO

    out = StringIO()
    call_command("poll_mentions", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert "Blogs: 2 new, 0 repost(s), 1 skipped" in out.getvalue()
    assert "Broken: failed (The server answered 500.)" in out.getvalue()
    assert lines[-1] == "2 new mentions from 2 sources (1 failed)"
    out = StringIO()
    call_command("poll_mentions", "--source", str(ok.pk), stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "0 new mentions from 1 source"


def test_poll_mentions_with_an_unknown_source_says_so():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="There is no source with id 999"):
        call_command("poll_mentions", "--source", "999")


def test_sources_not_due_are_not_polled(feeds):
    from django.utils import timezone

    feeds.add("/rss", RSS)
    source = make_source(feeds.url("/rss"))
    services.poll_source(source)
    assert list(services.due_sources()) == []
    Source.objects.filter(pk=source.pk).update(next_poll_at=timezone.now())
    assert list(services.due_sources()) == [source]
