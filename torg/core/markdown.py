"""The safe text pipeline for posts, comments and chat messages.

Stored text is Markdown (CommonMark) with two Torg extensions:

* **Mentions** are stored as ``@[Name](user:123)`` (written by the composer's autocomplete).
  They render as ``<a class="mention" href="/people/123/">@Name</a>``; with a
  ``mention_resolver`` the *current* name is shown and unknown/deleted ids become plain text.
* **Hashtags** are ``#`` followed directly by up to 64 letters, digits or underscores with at
  least one letter (``#Bærekraft``, ``#AI_2026``; not ``#42``, not ``# Title``). They count only
  after whitespace, line start or an opening bracket/quote, so ``page#frag``, URL fragments and
  anything inside code or link text never become tags. ``\\#tag`` escapes one.

Decisions:

* Raw HTML is off (``html=False``) and images are off (attachments show images).
* Headings (``# Title``) render as bold paragraphs: a post is not a document, and large headings
  would let one post shout in the feed. Because CommonMark needs a space after ``#`` for a
  heading, ``#tag`` at the start of a line is a hashtag.
* Single newlines are line breaks (``breaks=True``), as people expect in a chat or comment box.
* Bare URLs (``https://…``, ``www.…``) become links (markdown-it's linkify, with linkify-it-py),
  as do ``<https://…>`` autolinks and ``[text](url)`` links.
* Links accept only http, https and mailto, or site-relative paths (``/…``, not ``//…``). The
  markdown parser refuses other links (they stay visible as text) and nh3 enforces the same policy
  with an explicit tag/attribute allowlist on the final HTML, adding ``rel="… nofollow ugc"``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import nh3
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

MentionResolver = Callable[[list[int]], Mapping[int, str]]
HashtagUrl = Callable[[str], str]

HASHTAG_MAX_LENGTH = 64
LINK_REL = "noopener noreferrer nofollow ugc"
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "s", "ul", "ol", "li", "blockquote", "code", "pre", "a", "hr"}
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_CLASSES: dict[str, set[str]] = {"a": {"mention", "hashtag"}}

_MENTION_RE = re.compile(r"@\[([^\[\]\n]{1,100})\]\(user:([1-9][0-9]{0,17})\)")
_HASHTAG_RE = re.compile(rf"#(\w{{1,{HASHTAG_MAX_LENGTH}}})(?!\w)")
# Characters after which a '#' may start a hashtag (besides whitespace and the start of text).
_HASHTAG_OPENERS = frozenset("([{\"'«“‘„")
_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


def is_allowed_url(url: str) -> bool:
    """Whether a link target is allowed: http(s)/mailto, or a path on this site."""
    if url.startswith("/"):
        return not url.startswith(("//", "/\\"))
    match = _SCHEME_RE.match(url)
    return match is not None and match.group(1).lower() in ALLOWED_SCHEMES


def normalize_hashtag(tag: str) -> str:
    """The topic key of a hashtag: without '#', NFC-normalised and case-folded."""
    folded = unicodedata.normalize("NFC", tag.removeprefix("#")).casefold()
    return unicodedata.normalize("NFC", folded)


def default_hashtag_url(normalized: str) -> str:
    return f"/topics/{quote(normalized, safe='')}/"


class _TorgMarkdown(MarkdownIt):
    def validateLink(self, url: str) -> bool:
        return is_allowed_url(url)


def _mention_rule(state: StateInline, silent: bool) -> bool:
    """Inline rule for ``@[Name](user:123)``; runs before links so it is never a plain link."""
    if state.src[state.pos] != "@" or state.linkLevel > 0:
        return False
    match = _MENTION_RE.match(state.src, state.pos, state.posMax)
    if match is None:
        return False
    if not silent:
        token = state.push("mention", "", 0)
        token.meta = {"user_id": int(match.group(2)), "name": match.group(1)}
    state.pos = match.end()
    return True


def _hashtag_tokens(text: str, prev_char: str) -> list[Token]:
    """Split one text token's content into text and hashtag tokens."""
    tokens: list[Token] = []
    last = 0
    for match in _HASHTAG_RE.finditer(text):
        before = text[match.start() - 1] if match.start() else prev_char
        body = match.group(1)
        normalized = normalize_hashtag(body)
        if before and not before.isspace() and before not in _HASHTAG_OPENERS:
            continue
        if not any(ch.isalpha() for ch in body) or len(normalized) > HASHTAG_MAX_LENGTH:
            continue
        if match.start() > last:
            tokens.append(_text_token(text[last : match.start()]))
        token = Token("hashtag", "", 0)
        token.meta = {"tag": body, "normalized": normalized}
        tokens.append(token)
        last = match.end()
    if last < len(text):
        tokens.append(_text_token(text[last:]))
    return tokens


def _text_token(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _hashtag_rule(state: StateCore) -> None:
    """Core rule turning '#tag' in text (outside links; code is never text) into hashtags.

    It runs before ``text_join`` so a backslash-escaped ``\\#`` (a ``text_special`` token) stays
    separate and does not start a hashtag.
    """
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        link_depth = 0
        prev_char = ""
        for child in block.children:
            if child.type == "link_open":
                link_depth += 1
            elif child.type == "link_close":
                link_depth -= 1
            if child.type == "text" and link_depth == 0 and "#" in child.content:
                children.extend(_hashtag_tokens(child.content, prev_char))
            else:
                children.append(child)
            prev_char = child.content[-1:] if child.type in ("text", "text_special") else ""
        block.children = children


def _render_mention(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    user_id: int = tokens[idx].meta["user_id"]
    names: Mapping[int, str] | None = env.get("mention_names")
    name = tokens[idx].meta["name"] if names is None else names.get(user_id)
    if name is None:  # unknown or deleted person: the stored name, as inert text
        return escapeHtml("@" + tokens[idx].meta["name"])
    hrefs: dict[int, str] = env.setdefault("profile_hrefs", {})  # reverse() is not free
    if user_id not in hrefs:
        hrefs[user_id] = reverse("people:profile", args=[user_id])
    href = hrefs[user_id]
    return f'<a class="mention" href="{escapeHtml(href)}">{escapeHtml("@" + name)}</a>'


def _render_hashtag(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    meta = tokens[idx].meta
    href = env.get("hashtag_url", default_hashtag_url)(meta["normalized"])
    return f'<a class="hashtag" href="{escapeHtml(href)}">{escapeHtml("#" + meta["tag"])}</a>'


def _render_heading_open(self: Any, tokens: Sequence[Token], *args: Any) -> str:
    return "<p><strong>"


def _render_heading_close(self: Any, tokens: Sequence[Token], *args: Any) -> str:
    return "</strong></p>\n"


def _build_markdown() -> MarkdownIt:
    md = _TorgMarkdown("commonmark", {"html": False, "breaks": True, "linkify": True})
    md.enable(["strikethrough", "linkify"]).disable("image")
    md.inline.ruler.before("link", "mention", _mention_rule)
    md.core.ruler.before("text_join", "hashtag", _hashtag_rule)
    md.add_render_rule("mention", _render_mention)
    md.add_render_rule("hashtag", _render_hashtag)
    md.add_render_rule("heading_open", _render_heading_open)
    md.add_render_rule("heading_close", _render_heading_close)
    return md


_MD = _build_markdown()


def _href_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "href" and not is_allowed_url(value):
        return None
    return value


def sanitize_html(html: str) -> str:
    """Clean HTML with Torg's allowlist (the last line of defence behind the renderer)."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        attribute_filter=_href_filter,
        link_rel=LINK_REL,
        url_schemes=set(ALLOWED_SCHEMES),
        url_relative=lambda url: url if is_allowed_url(url) else None,
    )


def _parse(text: str) -> list[Token]:
    return _MD.parse(unicodedata.normalize("NFC", text))


def _walk(tokens: Iterable[Token]) -> Iterable[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def _unique[T](items: Iterable[T]) -> list[T]:
    return list(dict.fromkeys(items))


def extract_mentions(text: str) -> list[int]:
    """User ids mentioned in ``text`` (unique, in order of first appearance)."""
    return _unique(t.meta["user_id"] for t in _walk(_parse(text)) if t.type == "mention")


def extract_hashtags(text: str) -> list[str]:
    """Normalised hashtags in ``text`` (unique, in order of first appearance)."""
    return _unique(t.meta["normalized"] for t in _walk(_parse(text)) if t.type == "hashtag")


def _mention_names(
    tokens: list[Token], mention_resolver: MentionResolver | None
) -> Mapping[int, str] | None:
    if mention_resolver is None:
        return None
    ids = _unique(t.meta["user_id"] for t in _walk(tokens) if t.type == "mention")
    return mention_resolver(ids) if ids else {}


def render_markdown(
    text: str,
    *,
    mention_resolver: MentionResolver | None = None,
    hashtag_url: HashtagUrl | None = None,
) -> SafeString:
    """Render stored post/comment/chat text to sanitised HTML.

    ``mention_resolver(ids)`` returns ``{id: current name}`` for the people the reader may see; it
    is called at most once. ``hashtag_url(normalised_tag)`` builds topic links.
    """
    tokens = _parse(text)
    env: dict[str, Any] = {"mention_names": _mention_names(tokens, mention_resolver)}
    if hashtag_url is not None:
        env["hashtag_url"] = hashtag_url
    html = _MD.renderer.render(tokens, _MD.options, env)
    return mark_safe(sanitize_html(html))  # noqa: S308 - sanitised by nh3 with an allowlist


def render_plain(text: str, *, mention_resolver: MentionResolver | None = None) -> str:
    """Plain text for e-mails and notifications (NOT HTML-escaped: escape it for HTML)."""
    tokens = _parse(text)
    names = _mention_names(tokens, mention_resolver)
    out: list[str] = []
    lists: list[int | None] = []  # per open list: next number, or None for bullets
    quote_depth = 0
    for token in tokens:
        if token.type == "blockquote_open":
            quote_depth += 1
        elif token.type == "blockquote_close":
            quote_depth -= 1
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            lists.append(int(token.attrGet("start") or 1) if token.tag == "ol" else None)
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            out.append("\n")
        elif token.type == "list_item_open":
            number = lists[-1]
            marker = "- " if number is None else f"{number}. "
            if number is not None:
                lists[-1] = number + 1
            out.append("> " * quote_depth + "  " * (len(lists) - 1) + marker)
        elif token.type in ("paragraph_close", "heading_close"):
            out.append("\n" if token.hidden else "\n\n")
        elif token.type == "hr":
            out.append("---\n\n")
        elif token.type in ("inline", "fence", "code_block"):
            if token.type == "inline":
                content = _plain_inline(token.children or [], names)
            else:
                content = token.content
            lines = content.rstrip("\n").split("\n")
            prefix = "> " * quote_depth
            if out and out[-1].endswith(" ") and token.type == "inline":
                out.append(lines[0])  # right after a list marker
                lines = lines[1:]
                if lines:
                    out.append("\n")
            out.append("\n".join(prefix + line for line in lines))
            if token.type != "inline":
                out.append("\n\n")
    return re.sub(r"\n{3,}", "\n\n", "".join(out)).strip()


def _plain_inline(children: list[Token], names: Mapping[int, str] | None) -> str:
    parts: list[str] = []
    hrefs: list[str | None] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "mention":
            stored: str = child.meta["name"]
            parts.append(
                "@" + (stored if names is None else names.get(child.meta["user_id"], stored))
            )
        elif child.type == "hashtag":
            parts.append("#" + child.meta["tag"])
        elif child.type == "link_open":
            hrefs.append(None if child.markup == "autolink" else str(child.attrGet("href")))
        elif child.type == "link_close":
            href = hrefs.pop()
            if href is not None:
                parts.append(f" ({href})")
    return "".join(parts)
