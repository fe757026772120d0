"""A small offline sentiment scorer for comments in Norwegian bokmål and English.

Lexicon-based: count positive and negative words (with a one-word negation flip: "ikke bra",
"not good"); a comment is negative when the negative weight wins. No model, no network. The word
lists are below, documented in docs/insights.md; accuracy on the labelled sample in
tests/test_sentiment.py is reported there.
"""

from __future__ import annotations

import re

POSITIVE = frozenset(
    [
        "good",
        "great",
        "excellent",
        "awesome",
        "amazing",
        "love",
        "loved",
        "nice",
        "thanks",
        "thank",
        "helpful",
        "useful",
        "happy",
        "glad",
        "congrats",
        "congratulations",
        "brilliant",
        "perfect",
        "fantastic",
        "wonderful",
        "agree",
        "fun",
        "easy",
        "clear",
        "impressive",
        "proud",
        "welcome",
        "solved",
        "works",
        "working",
        "fixed",
        "best",
        "better",
        "enjoy",
        "enjoyed",
        "bra",
        "flott",
        "fin",
        "fint",
        "kjempebra",
        "supert",
        "super",
        "takk",
        "tusen",
        "glad",
        "fornøyd",
        "enig",
        "gratulerer",
        "nyttig",
        "hyggelig",
        "morsom",
        "artig",
        "lett",
        "tydelig",
        "imponerende",
        "stolt",
        "velkommen",
        "løst",
        "fungerer",
        "virker",
        "fikset",
        "best",
        "bedre",
        "elsker",
        "liker",
        "herlig",
        "strålende",
        "fantastisk",
        "perfekt",
        "godt",
        "god",
        "gode",
    ]
)
NEGATIVE = frozenset(
    [
        "bad",
        "terrible",
        "awful",
        "horrible",
        "hate",
        "hated",
        "annoying",
        "annoyed",
        "angry",
        "frustrated",
        "frustrating",
        "broken",
        "bug",
        "fail",
        "failed",
        "fails",
        "failure",
        "slow",
        "confusing",
        "confused",
        "sad",
        "disappointed",
        "disappointing",
        "wrong",
        "problem",
        "problems",
        "issue",
        "issues",
        "worse",
        "worst",
        "useless",
        "unfair",
        "crash",
        "crashes",
        "crashed",
        "stuck",
        "waste",
        "unhappy",
        "difficult",
        "impossible",
        "ridiculous",
        "dårlig",
        "dårlige",
        "elendig",
        "forferdelig",
        "fryktelig",
        "hater",
        "irriterende",
        "irritert",
        "sint",
        "frustrert",
        "frustrerende",
        "ødelagt",
        "feil",
        "treg",
        "tregt",
        "forvirrende",
        "forvirret",
        "trist",
        "skuffet",
        "skuffende",
        "galt",
        "problem",
        "problemer",
        "verre",
        "verst",
        "ubrukelig",
        "urettferdig",
        "krasjer",
        "krasjet",
        "bortkastet",
        "misfornøyd",
        "vanskelig",
        "umulig",
        "latterlig",
    ]
)
NEGATIONS = frozenset(
    [
        "not",
        "no",
        "never",
        "isn't",
        "doesn't",
        "don't",
        "didn't",
        "wasn't",
        "ikke",
        "aldri",
        "ingen",
    ]
)
# Two-word expressions, joined before scoring.
PHRASES = {"well done": "well_done", "sitter fast": "sitter_fast", "står fast": "sitter_fast"}
PHRASE_WORDS = {"well_done": 1, "sitter_fast": -1}
WORD = re.compile(r"[\wæøåÆØÅ']+", re.UNICODE)


def score(text: str) -> int:
    """Positive minus negative words; a negation flips the next word's sign."""
    total = 0
    negate = False
    lowered = text.lower()
    for phrase, token in PHRASES.items():
        lowered = lowered.replace(phrase, token)
    for word in WORD.findall(lowered):
        if word in NEGATIONS:
            negate = True
            continue
        value = PHRASE_WORDS.get(word) or (1 if word in POSITIVE else -1 if word in NEGATIVE else 0)
        if value:
            total += -value if negate else value
        negate = False if value or word not in ("so", "very", "så", "veldig") else negate
    return total


def is_negative(text: str) -> bool:
    return score(text) < 0
