"""The sanitiser against hostile input: nothing executable survives, links are marked, code stays
readable. Each input goes through ``render_markdown`` (posts) and ``render_html`` (imports)."""

import re
from html.parser import HTMLParser

import pytest

from forum import markup

HOSTILE = [
    # script tags
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script\x00>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    "<script/src=data:,alert(1)>",
    "text <script>unclosed",
    # event handlers
    '<img src=x onerror="alert(1)">',
    "<img src=x onerror=alert(1)//",
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    '<body onload="alert(1)">',
    '<div onmouseover="alert(1)">hover</div>',
    '<p ONCLICK="alert(1)">caps</p>',
    '<img src="x" /onerror=alert(1)>',
    '<input autofocus onfocus="alert(1)">',
    '<details open ontoggle="alert(1)">',
    '<video><source onerror="alert(1)"></video>',
    # javascript: / data: / vbscript: URLs in Markdown links and images
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](java\u200bscript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click]( javascript:alert(1))",
    "[click](<javascript:alert(1)>)",
    "[click](vbscript:msgbox(1))",
    "[click](VBScript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](DATA:text/html,<script>alert(1)</script>)",
    "![img](javascript:alert(1))",
    "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[ref]\n\n[ref]: javascript:alert(1)",
    '[ref]\n\n[ref]: JAVASCRIPT:alert(1) "title"',
    "<javascript:alert(1)>",
    "javascript:alert(1)",
    # raw HTML links (raw HTML is off, but render_html takes HTML)
    '<a href="javascript:alert(1)">x</a>',
    '<a href="jAvAsCrIpT:alert(1)">x</a>',
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<img src="javascript:alert(1)">',
    '<img src="data:image/png;base64,AAAA">',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:text/html,x">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    # SVG and MathML tricks
    '<svg onload="alert(1)"></svg>',
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<math><mtext><table><mglyph><style><img src=x onerror="alert(1)">',
    '<math href="javascript:alert(1)">CLICKME</math>',
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    # styles and CSS
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<style>body{background:url('javascript:alert(1)')}</style>",
    # unclosed and malformed tags
    '<img src="x" onerror="alert(1)"',
    "<a href='javascript:alert(1)'",
    "<<img src=x onerror=alert(1)>>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<a href="https://ok.example"><a href="javascript:alert(1)">nested</a></a>',
    # nested Markdown links and images
    "[![img](javascript:alert(1))](javascript:alert(2))",
    "[[inner](javascript:alert(1))](https://ok.example)",
    '[a](https://ok.example "title" onclick=alert(1))',
    '![a" onerror="alert(1)](https://ok.example/x.png)',
    '[x](https://ok.example/"onmouseover="alert(1))',
    "[x](https://ok.example/) <img src=x onerror=alert(1)>",
    "**<script>alert(1)</script>**",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "> <script>alert(1)</script>",
    "| a | b |\n|---|---|\n| <script>alert(1)</script> | [x](javascript:alert(1)) |",
    # entities and invisible characters
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "\u202e<script>alert(1)</script>",
    "\ufeff[x](javascript:alert(1))",
    "<scr\u200bipt>alert(1)</scr\u200bipt>",
    "[x](javas\u0000cript:alert(1))",
    "[x](\u0001javascript:alert(1))",
]

FORBIDDEN_TAGS = {
    "script", "iframe", "object", "embed", "svg", "math", "style", "form", "meta", "base", "link",
    "input", "button", "video", "source", "details", "body", "noscript", "animate",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}


class _Collector(HTMLParser):
    """The real tags and attributes of the output (text that merely looks like a tag is text)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def _assert_safe(html: str) -> None:
    assert "<script" not in html.lower()
    collector = _Collector()
    collector.feed(html)
    collector.close()
    for tag, attrs in collector.tags:
        assert tag not in FORBIDDEN_TAGS, html
        assert tag in markup.ALLOWED_TAGS, html
        for name, value in attrs:
            assert not name.startswith("on"), html
            assert name != "style", html
            if name in URL_ATTRIBUTES:
                # What a browser would see: entities decoded (by the parser), controls ignored.
                seen = re.sub(r"[\x00-\x20\u200b-\u200f\ufeff]", "", value or "").lower()
                assert not seen.startswith(("javascript:", "data:", "vbscript:")), html
                scheme = re.match(r"^([a-z][a-z0-9+.-]*):", seen)
                assert scheme is None or scheme.group(1) in markup.ALLOWED_PROTOCOLS, html


def test_hostile_list_is_long_enough():
    assert len(HOSTILE) >= 50


@pytest.mark.parametrize("source", HOSTILE)
def test_render_markdown_neutralises_hostile_input(source):
    _assert_safe(markup.render_markdown(source).html)


@pytest.mark.parametrize("source", HOSTILE)
def test_render_html_neutralises_hostile_input(source):
    _assert_safe(markup.render_html(source).html)


@pytest.mark.parametrize("source", HOSTILE)
def test_plain_text_has_no_markup(source):
    text = markup.render_markdown(source).text
    assert "<script" not in markup.render_markdown(text).html.lower()


def test_links_get_nofollow_ugc_noopener():
    html = markup.render_markdown("See [docs](https://docs.example.com/a) and https://example.org/b").html
    links = re.findall(r"<a [^>]*>", html)
    assert len(links) == 2
    for link in links:
        assert 'rel="nofollow ugc noopener"' in link


def test_raw_html_link_rel_is_overwritten():
    html = markup.render_html('<a href="https://ok.example" rel="opener">x</a>').html
    assert 'rel="nofollow ugc noopener"' in html and 'opener"' not in html.replace("noopener", "")


def test_code_blocks_are_escaped_once_and_not_linkified():
    html = markup.render_markdown("```\nif a < b && c > d: print('https://example.com')\n```").html
    assert "&lt; b &amp;&amp; c &gt; d" in html
    assert "&amp;lt;" not in html and "&amp;amp;" not in html
    assert "<a " not in html


def test_inline_code_is_escaped_once():
    html = markup.render_markdown("Use `<b>` & `a && b`").html
    assert "<code>&lt;b&gt;</code>" in html and "<code>a &amp;&amp; b</code>" in html


def test_language_class_kept_on_code_but_not_arbitrary_classes():
    html = markup.render_markdown("```python\nx = 1\n```").html
    assert 'class="language-python"' in html
    assert "class=" not in markup.render_html('<code class="evil x">x</code>').html


def test_allowed_formatting_survives():
    html = markup.render_markdown(
        "# Title\n\n**bold** *it* ~~gone~~\n\n- a\n- b\n\n> quote\n\n![alt](https://img.example/x.png)"
    ).html
    for tag in (
        "<h1>",
        "<strong>",
        "<em>",
        "<s>",
        "<ul>",
        "<li>",
        "<blockquote>",
        '<img src="https://img.example/x.png" alt="alt"',
    ):
        assert tag in html


def test_mailto_links_allowed():
    html = markup.render_markdown("[mail us](mailto:help@example.com)").html
    assert 'href="mailto:help@example.com"' in html


def test_oversized_and_empty_input_never_raises():
    assert markup.render_markdown("").html == ""
    assert markup.render_markdown(None).text == ""
    long = markup.render_markdown("[x](y) " * 5000 + "<" * 5000)
    assert "<script" not in long.html


def test_text_is_plain_and_unescaped():
    rendered = markup.render_markdown("Tom &amp; Jerry: **a < b**")
    assert rendered.text == "Tom & Jerry: a < b"


def test_plain_text_keeps_punctuation_next_to_inline_markup():
    rendered = markup.render_markdown("Go to **Billing**, then *Invoices*.\n\n- one\n- two\n\nLast `code`!")
    assert rendered.text == "Go to Billing, then Invoices. one two Last code!"
