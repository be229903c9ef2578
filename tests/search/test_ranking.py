"""search.ranking: the documented boosts and how sources are merged."""

from __future__ import annotations

import pytest

from search import ranking
from search.sources import Hit


def hit(type_="topic", score=None, rank=0, official=False, accepted=False, status="open", title="t"):
    return Hit(
        type=type_,
        obj=None,
        title=title,
        address="/",
        kind="faq" if type_ == "faq" else "question",
        status=status,
        has_official_answer=official,
        has_accepted_answer=accepted,
        score=score,
        rank=rank,
    )


@pytest.mark.parametrize(
    ("h", "boost"),
    [
        (hit("faq"), ranking.FAQ_ARTICLE_BOOST),
        (hit(official=True), ranking.OFFICIAL_ANSWER_BOOST),
        (hit(official=True, accepted=True), ranking.OFFICIAL_ANSWER_BOOST),
        (hit(accepted=True), ranking.ACCEPTED_ANSWER_BOOST),
        (hit(status="solved"), ranking.ACCEPTED_ANSWER_BOOST),
        (hit(), 1.0),
        (hit("category"), ranking.CATEGORY_BOOST),
    ],
)
def test_ranking_boost_for_each_kind_of_hit(h, boost):
    assert ranking.boost_for(h) == boost


def test_ranking_boosts_are_ordered_as_documented():
    assert ranking.FAQ_ARTICLE_BOOST > ranking.OFFICIAL_ANSWER_BOOST > ranking.ACCEPTED_ANSWER_BOOST > 1.0
    assert ranking.CATEGORY_BOOST < 1.0


def test_ranking_merge_lifts_an_answered_topic_over_a_slightly_better_open_one():
    open_topic = hit(score=10.0, title="open")
    answered = hit(score=8.0, official=True, title="answered")
    merged = ranking.merge([[open_topic, answered]])
    assert [h.title for h in merged] == ["answered", "open"]
    assert merged[0].final_score == pytest.approx(0.8 * ranking.OFFICIAL_ANSWER_BOOST)


def test_ranking_merge_keeps_a_much_better_open_topic_first():
    open_topic = hit(score=10.0, title="open")
    answered = hit(score=3.0, official=True, title="answered")
    assert [h.title for h in ranking.merge([[open_topic, answered]])] == ["open", "answered"]


def test_ranking_merge_puts_faq_before_an_equally_relevant_topic():
    topic = hit(score=5.0, title="topic")
    faq = hit("faq", score=5.0, title="faq")
    assert [h.title for h in ranking.merge([[topic], [faq]])] == ["faq", "topic"]


def test_ranking_merge_uses_magnitude_for_negative_scores():
    """SQLite's FTS5 scores are negative (more negative is better)."""
    best = hit(score=-9.0, title="best")
    worse = hit(score=-3.0, title="worse")
    assert [h.title for h in ranking.merge([[worse, best]])] == ["best", "worse"]


def test_ranking_merge_falls_back_to_rank_without_scores():
    hits = [hit(rank=0, title="first"), hit(rank=1, title="second"), hit("faq", rank=5, title="faq")]
    merged = ranking.merge([hits])
    assert [h.title for h in merged][:2] == ["first", "faq"]
    assert merged[0].relevance == 1.0


def test_ranking_rerank_similar_prefers_titles_sharing_rare_words():
    a = hit(score=5.0, title="printer driver crashes")
    b = hit(score=5.2, title="printer paper jam")
    query = {"printer", "driver", "crash"}
    result = ranking.rerank_similar(
        [b, a], query, [{"printer", "paper", "jam"}, {"printer", "driver", "crash"}]
    )
    assert [h.title for h in result] == ["printer driver crashes", "printer paper jam"]


def test_ranking_rerank_similar_bonus_is_bounded_by_the_title_overlap_weight():
    query = {"printer", "driver", "crash"}
    full = hit(score=4.0, title="full")
    partial = hit(score=6.0, title="partial")
    none = hit(score=8.0, title="none")
    stems = [query.copy(), {"printer", "paper"}, {"scanner", "light"}]
    result = ranking.rerank_similar([full, partial, none], query, stems)
    assert sorted(h.title for h in result) == ["full", "none", "partial"]
    bonus = {h.title: h.final_score - h.relevance * ranking.boost_for(h) for h in result}
    assert bonus["full"] == pytest.approx(ranking.TITLE_OVERLAP_WEIGHT)
    assert bonus["none"] == pytest.approx(0.0)
    assert 0.0 < bonus["partial"] < ranking.TITLE_OVERLAP_WEIGHT
    assert [h.final_score for h in result] == sorted((h.final_score for h in result), reverse=True)


def test_ranking_rerank_similar_title_words_do_not_overturn_a_clearly_better_match():
    """The backend already weighs titles: the overlap bonus may only reorder hits whose relevance
    differs by less than ``TITLE_OVERLAP_WEIGHT``."""
    query = {"printer", "driver", "crash"}
    best = hit(score=10.0, title="best")
    gap = ranking.TITLE_OVERLAP_WEIGHT + 0.05
    same_words = hit(score=10.0 * (1 - gap), title="same words")
    result = ranking.rerank_similar([same_words, best], query, [query.copy(), {"printing", "stopped"}])
    assert [h.title for h in result] == ["best", "same words"]
