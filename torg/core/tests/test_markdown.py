"""The safe text pipeline: exact rendering of normal content, and an XSS corpus rendered inert."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.utils.safestring import SafeString
from hypothesis import given, settings
from hypothesis import strategies as st

from torg.core.markdown import (
    extract_hashtags,
    extract_mentions,
    normalize_hashtag,
    render_markdown,
    render_plain,
)

REL = 'rel="noopener noreferrer nofollow ugc"'
SAFE_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "s",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "a",
    "hr",
}
SAFE_ATTRIBUTES = {"a": {"href", "title", "rel", "class"}, "ol": {"start"}}


class _SafetyChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in SAFE_TAGS:
            self.problems.append(f"tag {tag}")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.problems.append(f"attribute {name}")
            if name not in SAFE_ATTRIBUTES.get(tag, set()):
                self.problems.append(f"attribute {name} on {tag}")
            if name == "href" and not _safe_href(value or ""):
                self.problems.append(f"href {value!r}")
            if name == "class" and value not in ("mention", "hashtag"):
                self.problems.append(f"class {value!r}")
            if name == "rel" and value != "noopener noreferrer nofollow ugc":
                self.problems.append(f"rel {value!r}")

    handle_startendtag = handle_starttag


def _safe_href(href: str) -> bool:
    # Browsers ignore ASCII whitespace and control characters inside a scheme; so do we.
    squeezed = "".join(ch for ch in href if ord(ch) > 0x20 and ord(ch) != 0x7F)
    if squeezed.startswith("/"):
        return not squeezed.startswith(("//", "/\\"))
    return urlsplit(squeezed).scheme.lower() in {"http", "https", "mailto"}


def assert_inert(html: str) -> None:
    checker = _SafetyChecker()
    checker.feed(html)
    checker.close()
    assert checker.problems == [], html
    lowered = html.lower()
    for markup in ("<script", "<img", "<iframe", "<svg", "<style", "<object", "<embed", "<math"):
        assert markup not in lowered, html


XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)"/>',
    "<body onload=alert(1)>",
    '<div onmouseover="alert(1)">hover</div>',
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](jav&#x09;ascript:alert(1))",
    "[click](jav&#9;ascript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](  javascript:alert(1)  )",
    "[click](<javascript:alert(1)>)",
    "[click](java\\script:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](DATA:text/html,<script>alert(1)</script>)",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    '[t](http://example.com "a\\" onmouseover=\\"alert(1)")',
    "[t](http://example.com 'x\" onclick=\"alert(1)')",
    '[t](http://example.com" onclick="alert(1))',
    "[ref]\n\n[ref]: javascript:alert(1)",
    "[ref]\n\n[ref]: http://example.com \"x' onclick='alert(1)\"",
    "![x](javascript:alert(1))",
    '![x" onerror="alert(1)](http://example.com/a.png)',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "<iframe srcdoc='<script>alert(1)</script>'>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div style="width: expression(alert(1))">x</div>',
    "<style>body{background:red}</style>",
    "<b onclick=alert(1)>unclosed",
    "<a href='x' <script>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    "<!--<script>alert(1)</script>-->",
    "<math><mi xlink:href='javascript:alert(1)'>x</mi></math>",
    "```\n<script>alert(1)</script>\n```",
    "    <img src=x onerror=alert(1)>",
    "`<img src=x onerror=alert(1)>`",
    "**<img src=x onerror=alert(1)>**",
    "> <script>alert(1)</script>",
    "- <svg onload=alert(1)>",
    "[<img src=x onerror=alert(1)>](http://example.com)",
    "[**x**](javascript:alert(1))",
    "[x](//evil.example/path)",
    "[x](/\\evil.example)",
    "@[<script>alert(1)</script>](user:1)",
    '@[x](user:1" onmouseover="alert(1))',
    '@[x](user:1)" onmouseover="alert(1)',
    '@[x"><img src=x onerror=alert(1)>](user:1)',
    "#<script>alert(1)</script>",
    '#tag"onmouseover="alert(1)',
    "#x<img/src/onerror=alert(1)>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<base href=javascript:alert(1)//>",
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    '<https://example.com/" onmouseover="alert(1)>',
]


@pytest.mark.parametrize("text", XSS_CORPUS)
def test_xss_corpus_renders_inert(text: str) -> None:
    assert_inert(render_markdown(text))
    assert_inert(render_markdown(text, mention_resolver=lambda ids: dict.fromkeys(ids, "<b>x</b>")))
    assert_inert(render_markdown(text, hashtag_url=lambda tag: "javascript:alert(1)"))


def test_xss_corpus_is_large_enough() -> None:
    assert len(XSS_CORPUS) >= 40


def test_raw_html_is_shown_as_text() -> None:
    assert render_markdown("<script>alert(1)</script> <b onclick=x>hi</b>") == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;b onclick=x&gt;hi&lt;/b&gt;</p>\n"
    )


def test_refused_links_stay_visible_as_text() -> None:
    assert render_markdown("[click](javascript:alert(1)) <vbscript:x>") == (
        "<p>[click](javascript:alert(1)) &lt;vbscript:x&gt;</p>\n"
    )


def test_inline_formatting() -> None:
    assert render_markdown("**bold** *italic* ~~gone~~ `x < y`") == (
        "<p><strong>bold</strong> <em>italic</em> <s>gone</s> <code>x &lt; y</code></p>\n"
    )


def test_single_newlines_are_line_breaks_and_blank_lines_paragraphs() -> None:
    assert render_markdown("one\ntwo\n\nthree") == "<p>one<br>\ntwo</p>\n<p>three</p>\n"


def test_lists_quotes_and_code_blocks() -> None:
    text = "- a\n- b\n\n3. c\n4. d\n\n> wise\n\n```python\nprint('<hi>')\n```"
    assert render_markdown(text) == (
        "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"
        '<ol start="3">\n<li>c</li>\n<li>d</li>\n</ol>\n'
        "<blockquote>\n<p>wise</p>\n</blockquote>\n"
        "<pre><code>print('&lt;hi&gt;')\n</code></pre>\n"
    )


def test_headings_render_as_bold_paragraphs() -> None:
    assert render_markdown("# Big news\n## Smaller") == (
        "<p><strong>Big news</strong></p>\n<p><strong>Smaller</strong></p>\n"
    )


def test_links_and_autolinks_get_rel_and_keep_title() -> None:
    text = '[Torg](https://torg.example/a?b=1&c=2 "Home") <https://example.com> <kari@example.no>'
    assert render_markdown(text) == (
        f'<p><a href="https://torg.example/a?b=1&amp;c=2" title="Home" {REL}>Torg</a> '
        f'<a href="https://example.com" {REL}>https://example.com</a> '
        f'<a href="mailto:kari@example.no" {REL}>kari@example.no</a></p>\n'
    )


def test_bare_urls_become_links_and_their_fragments_are_not_hashtags() -> None:
    assert render_markdown("see https://example.com/a#tag") == (
        f'<p>see <a href="https://example.com/a#tag" {REL}>https://example.com/a#tag</a></p>\n'
    )
    assert render_markdown("www.fjordlys.no") == (
        f'<p><a href="http://www.fjordlys.no" {REL}>www.fjordlys.no</a></p>\n'
    )


def test_bare_dangerous_schemes_stay_text() -> None:
    assert render_markdown("javascript:alert(1)") == "<p>javascript:alert(1)</p>\n"


def test_images_are_not_rendered() -> None:
    assert render_markdown("![cat](https://example.com/cat.png)") == (
        f'<p>!<a href="https://example.com/cat.png" {REL}>cat</a></p>\n'
    )


def test_result_is_safe_string() -> None:
    assert isinstance(render_markdown("hi"), SafeString)


def test_mentions_link_to_profiles_with_stored_name_without_resolver() -> None:
    assert render_markdown("Hei @[Kari Nordmann](user:12)!") == (
        f'<p>Hei <a class="mention" href="/people/12/" {REL}>@Kari Nordmann</a>!</p>\n'
    )


def test_mention_resolver_gives_current_names_and_unknown_ids_become_text() -> None:
    calls: list[list[int]] = []

    def resolver(ids: list[int]) -> dict[int, str]:
        calls.append(ids)
        return {12: "Kari Nordmann-Berg"}

    text = "@[Kari Nordmann](user:12) @[Ola](user:7) @[Kari](user:12)"
    assert render_markdown(text, mention_resolver=resolver) == (
        f'<p><a class="mention" href="/people/12/" {REL}>@Kari Nordmann-Berg</a> @Ola '
        f'<a class="mention" href="/people/12/" {REL}>@Kari Nordmann-Berg</a></p>\n'
    )
    assert calls == [[12, 7]]


def test_mention_names_are_escaped() -> None:
    assert render_markdown("@[<b>x</b>](user:1)") == (
        f'<p><a class="mention" href="/people/1/" {REL}>@&lt;b&gt;x&lt;/b&gt;</a></p>\n'
    )
    assert render_markdown("@[x](user:1)", mention_resolver=lambda ids: {1: '"><i>'}) == (
        f'<p><a class="mention" href="/people/1/" {REL}>@"&gt;&lt;i&gt;</a></p>\n'
    )


def test_resolver_not_called_without_mentions() -> None:
    def resolver(ids: list[int]) -> dict[int, str]:
        raise AssertionError("no query needed")

    assert render_markdown("plain", mention_resolver=resolver) == "<p>plain</p>\n"


def test_extract_mentions_unique_in_order_and_not_in_code() -> None:
    text = "@[B](user:2) @[A](user:1) @[B again](user:2) `@[C](user:3)` @[D](user:04)"
    assert extract_mentions(text) == [2, 1]


def test_hashtags_with_norwegian_letters_link_to_topics() -> None:
    assert render_markdown("Vi satser på #Bærekraft og #øl, #AI_2026.") == (
        f'<p>Vi satser på <a class="hashtag" href="/topics/b%C3%A6rekraft/" {REL}>#Bærekraft</a>'
        f' og <a class="hashtag" href="/topics/%C3%B8l/" {REL}>#øl</a>,'
        f' <a class="hashtag" href="/topics/ai_2026/" {REL}>#AI_2026</a>.</p>\n'
    )


def test_hashtag_url_can_be_customised() -> None:
    html = render_markdown("#Øl", hashtag_url=lambda tag: f"/t/{tag}/")
    assert html == f'<p><a class="hashtag" href="/t/øl/" {REL}>#Øl</a></p>\n'


def test_hashtags_are_one_topic_whatever_the_case_or_unicode_form() -> None:
    decomposed = "#Ba\u0308rekraft"
    assert normalize_hashtag("#Bærekraft") == "bærekraft"
    assert normalize_hashtag("BÆREKRAFT") == "bærekraft"
    assert normalize_hashtag("#Bärekraft") == normalize_hashtag(decomposed) == "bärekraft"
    text = f"#Bærekraft #bærekraft #BÆREKRAFT #Bärekraft {decomposed} #Øl"
    assert extract_hashtags(text) == ["bærekraft", "bärekraft", "øl"]


def test_hashtags_are_not_matched_in_urls_words_code_links_or_headings() -> None:
    text = (
        "https://example.com/#frag page#x <https://example.com/#auto> `#code` #42 # Heading\n\n"
        "[#linktext](https://example.com) \\#escaped ##double\n\n```\n#fenced\n```"
    )
    assert extract_hashtags(text) == []
    assert 'class="hashtag"' not in render_markdown(text)


def test_hashtags_at_line_start_in_brackets_and_quotes() -> None:
    assert extract_hashtags('#first\n(#second) "#third" > #fourth\n- #fifth') == [
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
    ]


def test_hashtag_length_limit() -> None:
    assert extract_hashtags("#" + "a" * 64) == ["a" * 64]
    assert extract_hashtags("#" + "a" * 65) == []
    assert extract_hashtags("#" + "ß" * 40) == []  # casefolds to 80 characters


def test_render_plain() -> None:
    text = (
        "# Nyhet\nHei @[Kari](user:12), se **dette** [her](https://example.com) og "
        "<https://torg.example> #Bærekraft\n\n- a\n- b\n\n2. x\n3. y\n\n> sitat\n> linje\n\n"
        "```\n<kode>\n```"
    )
    assert render_plain(text, mention_resolver=lambda ids: {12: "Kari N"}) == (
        "Nyhet\n\n"
        "Hei @Kari N, se dette her (https://example.com) og https://torg.example #Bærekraft\n\n"
        "- a\n- b\n\n2. x\n3. y\n\n> sitat\n> linje\n\n<kode>"
    )


def test_render_plain_keeps_stored_names_without_resolver() -> None:
    assert render_plain("@[Ola](user:7)") == "@Ola"


DANGEROUS_FRAGMENTS = [
    "<",
    ">",
    '"',
    "'",
    "`",
    "```",
    "\n",
    "[",
    "](",
    ")",
    "<script>",
    "javascript:",
    "jav&#x09;ascript:",
    "data:",
    " onerror=",
    "<img src=x ",
    "@[",
    "(user:1)",
    "#",
    "#ø",
    "*",
    "_",
    "~~",
    "> ",
    "- ",
    "&#",
    "\\",
    "http://",
    "<svg",
    'style="',
]
_markdownish = st.lists(
    st.one_of(st.sampled_from(DANGEROUS_FRAGMENTS), st.text(max_size=8)), max_size=40
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), _markdownish))
def test_any_text_renders_inert_and_never_raises(text: str) -> None:
    assert_inert(render_markdown(text))
    assert_inert(render_markdown(text, mention_resolver=lambda ids: {}))
    render_plain(text)
    assert all(len(tag) <= 64 for tag in extract_hashtags(text))
    assert all(isinstance(user_id, int) for user_id in extract_mentions(text))
