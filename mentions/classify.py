"""Guess what a mention is (question, problem, praise, idea, other), its sentiment and language.

Sentiment comes from VADER (vaderSentiment), a lexicon and rule-based model made for short
social-media text; the language from py3langid; kind comes from plain rules that look at the wording first and the sentiment
second. ``bench/mentions_accuracy.py`` measures both on a labelled sample
(``tests/fixtures/mentions_labelled.json``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05

_QUESTION_START = re.compile(
    r"^\s*(how|why|what|when|where|which|who|can|could|does|do|did|is|are|should|will|would|has|"
    r"have|anyone|anybody|any idea|is there)\b",
    re.IGNORECASE,
)
_PROBLEM = re.compile(
    r"\b(doesn'?t work|does not work|don'?t work|not working|stopped working|won'?t|can'?t|cannot|"
    r"broken|broke|bug|bugs|crash(es|ed|ing)?|error|errors|fail(s|ed|ing)?|failure|issue|issues|"
    r"problem|problems|stuck|outage|down again|is down|refund|charged twice|lost|missing|"
    r"wrong|glitch|freez(e|es|ing)|slow|unusable|crap|useless|terrible|worst|awful)\b",
    re.IGNORECASE,
)
_IDEA = re.compile(
    r"\b(would be (nice|great|cool|awesome)|i wish|wish (it|they|you)|feature request|please add|"
    r"should (add|have|support|let)|could you add|it'?d be (nice|great)|suggestion|suggest|"
    r"idea:|would love (it|to see|if)|hope they add|needs? an? option)\b",
    re.IGNORECASE,
)
_PRAISE = re.compile(
    r"\b(love|loving|loved|great|awesome|amazing|fantastic|excellent|brilliant|thank(s| you)|"
    r"kudos|shout-?out|impressed|recommend|best|perfect|wonderful|superb|happy with|props to)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Guess:
    kind: str
    sentiment: str
    score: float
    language: str


@lru_cache(maxsize=1)
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def sentiment_of(text: str) -> tuple[str, float]:
    score = _analyzer().polarity_scores(text[:5000])["compound"] if text.strip() else 0.0
    if score >= POSITIVE_AT:
        return "positive", score
    if score <= NEGATIVE_AT:
        return "negative", score
    return "neutral", score


def kind_of(title: str, text: str, score: float) -> str:
    whole = f"{title}\n{text}"
    first_sentence = re.split(r"(?<=[.!?])\s+", (title or text).strip(), maxsplit=1)[0]
    if _IDEA.search(whole):
        return "idea"
    asks = "?" in whole or bool(_QUESTION_START.match(first_sentence))
    problem = bool(_PROBLEM.search(whole))
    if problem and (score < 0.3 or not _PRAISE.search(whole)):
        return "problem"
    if asks:
        return "question"
    if _PRAISE.search(whole) and score > 0:
        return "praise"
    if score >= 0.5:
        return "praise"
    return "other"


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def language_of(text: str) -> str:
    """An ISO 639-1 code from py3langid, or "" when the text is too short or the guess unsure."""
    if len(text.split()) < 3:
        return ""
    language, probability = _identifier().classify(text[:2000])
    return language if probability >= 0.5 else ""


def guess(title: str, text: str) -> Guess:
    whole = f"{title}. {text}" if title else text
    sentiment, score = sentiment_of(whole)
    kind = kind_of(title, text, score)
    if kind == "problem" and score < 0.5:
        # VADER reads "sync keeps failing" as neutral; a problem report is a complaint.
        sentiment = "negative"
    return Guess(kind=kind, sentiment=sentiment, score=score, language=language_of(whole))
