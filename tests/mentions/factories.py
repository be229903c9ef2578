from __future__ import annotations

import itertools

from mentions import matching
from mentions.models import Mention, Source

_n = itertools.count(1)


def source(**kwargs) -> Source:
    n = next(_n)
    defaults = {"name": f"Source {n}", "feed_url": f"https://feeds.example/{n}.xml", "keywords": "Acme Cloud"}
    return Source.objects.create(**{**defaults, **kwargs})


def mention(**kwargs) -> Mention:
    n = next(_n)
    url = kwargs.pop("url", f"https://blog.example/post-{n}")
    text = kwargs.pop("text", f"Acme Cloud post number {n} about syncing files between machines.")
    defaults = {
        "url": url,
        "url_key": matching.url_key(url),
        "title": f"Mention {n} of Acme Cloud",
        "text": text,
        "html": f"<p>{text}</p>",
        "author_name": "Lena Park",
        "author_url": "https://blog.example/lena",
        "kind": Mention.Kind.QUESTION,
        "fingerprint": matching.to_signed(matching.simhash(text)),
    }
    return Mention.objects.create(**{**defaults, **kwargs})
