"""Text processing shared by both backends: tokens, accent folding, stemming, snippets.

Choices (see docs/search.md):
- Case and accents: text is casefolded; diacritics are removed (é → e, ü → u) except on the
  Norwegian letters æ, ø and å, which stay letters of their own.
- Every word is indexed as three terms: its Norwegian stem, its English stem and its
  "plain" form where æ → ae, ø → o, å → a (what PostgreSQL's ``unaccent`` does). A query word
  matches if any of its three terms does, so "prosjekter" finds "prosjekt", "projects" finds
  "project", "kafe" finds "kafé" and "aerlig" finds "ærlig".
- Prefix matching (autocomplete) uses the plain form of the typed prefix.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from dataclasses import dataclass

import snowballstemmer

MAX_QUERY_LENGTH = 200
MAX_QUERY_TERMS = 8
_WORD = re.compile(r"\w+", re.UNICODE)
_KEEP = frozenset("æøå")
_PLAIN = str.maketrans({"æ": "ae", "ø": "o", "å": "a"})
_NORWEGIAN = snowballstemmer.stemmer("norwegian")
_ENGLISH = snowballstemmer.stemmer("english")


def fold(word: str) -> str:
    """Casefold and strip diacritics, keeping æ, ø and å."""
    word = word.casefold()
    if word.isascii():
        return word
    out = []
    for char in word:
        if char in _KEEP:
            out.append(char)
            continue
        decomposed = unicodedata.normalize("NFKD", char)
        out.append("".join(c for c in decomposed if not unicodedata.combining(c)))
    return "".join(out)


def plain(word: str) -> str:
    """The folded word spelled without æ, ø and å."""
    return word.translate(_PLAIN)


def words(text: str) -> list[str]:
    """The folded words of ``text`` (underscores split words)."""
    return [fold(w) for chunk in _WORD.findall(text) for w in chunk.split("_") if w]


@functools.lru_cache(maxsize=65536)
def terms_for(word: str) -> tuple[str, ...]:
    """The distinct index terms of one folded word: Norwegian stem, English stem, plain form."""
    found = dict.fromkeys([_NORWEGIAN.stemWord(word), _ENGLISH.stemWord(word), plain(word)])
    return tuple(t for t in found if t)


@functools.lru_cache(maxsize=65536)
def _token_terms(token: str) -> str:
    """The space-separated terms of one token as ``_WORD`` finds it (may be empty)."""
    return " ".join(t for chunk in token.split("_") if chunk for t in terms_for(fold(chunk)))


def index_terms(text: str) -> str:
    """The text the SQLite FTS5 table stores for ``text``: space-separated terms.

    Per token, cached: a rebuild makes the terms of millions of posts, mostly of the same words.
    """
    return " ".join(filter(None, map(_token_terms, _WORD.findall(text))))


@dataclass(frozen=True)
class ParsedQuery:
    """A query reduced to words; empty when nothing searchable was typed."""

    words: tuple[str, ...]
    prefix: bool = False

    def __bool__(self) -> bool:
        return bool(self.words)

    def matching_terms(self) -> set[str]:
        found: set[str] = set()
        for w in self.words:
            found.update(terms_for(w))
        return found


def parse_query(text: str, *, prefix: bool = False) -> ParsedQuery:
    """The words of a typed query (at most ``MAX_QUERY_TERMS``, duplicates dropped)."""
    if not isinstance(text, str):
        return ParsedQuery(())
    found = list(dict.fromkeys(words(text[:MAX_QUERY_LENGTH])))[:MAX_QUERY_TERMS]
    return ParsedQuery(tuple(found), prefix=prefix)


# --- snippets ------------------------------------------------------------------------------------

SNIPPET_LENGTH = 220


def _matches(word: str, query: ParsedQuery, terms: set[str]) -> bool:
    folded = fold(word)
    if query.prefix and query.words:
        last = plain(query.words[-1])
        if plain(folded).startswith(last):
            return True
    return any(t in terms for t in terms_for(folded))


def highlight(text: str, query: ParsedQuery, *, length: int = SNIPPET_LENGTH) -> str:
    """HTML: an excerpt of ``text`` around the first match, escaped, matches in <mark>.

    The text is escaped piece by piece, so markup in a post stays inert.
    """
    text = " ".join(text.split())
    terms = query.matching_terms()
    spans = [m.span() for m in _WORD.finditer(text) if _matches(m.group(), query, terms)]
    start = 0
    if spans and len(text) > length:
        start = max(0, spans[0][0] - length // 4)
        # Start at a word boundary.
        while start > 0 and not text[start - 1].isspace():
            start -= 1
    end = min(len(text), start + length)
    if end < len(text):
        while end > start and not text[end - 1].isspace() and end < len(text):
            end -= 1
        if end <= start:
            end = min(len(text), start + length)
    out: list[str] = ["…" if start > 0 else ""]
    position = start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(html.escape(text[position:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        position = e
    out.append(html.escape(text[position:end]))
    if end < len(text):
        out.append("…")
    return "".join(out).strip()
