"""A real HTTP server on loopback that serves recorded feeds, for the poller's tests."""

from __future__ import annotations

import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Blog search</title><link>https://blogs.example/</link>
<item><title>Acme Cloud sync is broken again</title><link>https://blogs.example/a</link>
<author>lena@example.com (Lena)</author><pubDate>Mon, 30 Nov 2026 08:15:00 GMT</pubDate>
<description>&lt;p&gt;The Acme Cloud app stopped syncing. It doesn't work.&lt;/p&gt;</description></item>
<item><title>How do I share an Acme Cloud folder?</title><link>https://blogs.example/b</link>
<description>&lt;p&gt;How can a client see one folder?&lt;/p&gt;</description></item>
<item><title>Unrelated gardening post</title><link>https://blogs.example/c</link>
<description>Tomatoes and basil.</description></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>#acmecloud</title><id>tag:social.example,2026:acme</id>
<updated>2026-12-01T12:00:00Z</updated>
<entry><title>Love Acme Cloud</title><id>tag:social.example,2026:1</id>
<link href="https://social.example/@ana/1"/><author><name>Ana</name><uri>https://social.example/@ana</uri></author>
<updated>2026-12-01T11:00:00Z</updated><content type="html">&lt;p&gt;Acme Cloud support is amazing, thanks!&lt;/p&gt;</content></entry>
</feed>"""

HOSTILE = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>x</title>
<item><title>Acme Cloud &lt;script&gt;alert(1)&lt;/script&gt; review</title><link>https://evil.example/1</link>
<description>&lt;p onclick="steal()"&gt;Acme Cloud&lt;/p&gt;&lt;script&gt;alert("x")&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&lt;a href="javascript:alert(1)"&gt;click&lt;/a&gt;&lt;iframe src="https://evil.example"&gt;&lt;/iframe&gt;</description></item>
<item><title>Acme Cloud link trick</title><link>javascript:alert(1)</link><description>Acme Cloud</description></item>
</channel></rss>"""

MALFORMED = b"<?xml version='1.0'?><html><body><p>Not a feed <b>at all</p></body>"

# Declared as UTF-8 but written in Latin-1: feedparser falls back and still reads it.
WRONG_ENCODING = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Caf\xe9</title>'
    "<item><title>Acme Cloud \xe0 la caf\xe9</title><link>https://cafe.example/1</link>"
    "<description>Acme Cloud marche tr\xe8s bien au caf\xe9.</description></item></channel></rss>"
).encode("latin-1")


def huge_feed(size: int) -> bytes:
    item = (
        b"<item><title>Acme Cloud</title><link>https://huge.example/%d</link><description>"
        + b"x" * 900
        + b"</description></item>"
    )
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>huge</title>'
    i = 0
    while len(body) < size:
        body += item.replace(b"%d", str(i).encode())
        i += 1
    return body + b"</channel></rss>"


class FeedServer:
    def __init__(self):
        self.routes: dict[str, tuple[int, dict, bytes]] = {}
        self.requests: list[tuple[str, dict]] = []
        handler = self._handler()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, body: bytes = b"", status: int = 200, headers: dict | None = None):
        self.routes[path] = (status, headers or {}, body)

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append((self.path, dict(self.headers)))
                status, headers, body = server.routes.get(self.path, (404, {}, b"not found"))
                etag = headers.get("ETag")
                if etag and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                if headers.get("gzip"):
                    body = gzip.compress(body)
                self.send_response(status)
                for name, value in headers.items():
                    if name == "gzip":
                        self.send_header("Content-Encoding", "gzip")
                    else:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def feeds(settings):
    settings.MENTIONS_ALLOW_PRIVATE_ADDRESSES = True
    server = FeedServer()
    yield server
    server.close()
