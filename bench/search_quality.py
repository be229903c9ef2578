"""Search quality of "similar questions" on real duplicate questions, beside a plain BM25.

Imports the Travel Stack Exchange duplicate benchmark (``../shared/data/travelse-dups/beir``)
as topics through the project's own models into a throwaway database and index, runs every
query (the title of a question closed as a duplicate) through the similar-questions code path
(``search.selectors.similar_hits``, the one behind ``/search/similar/``), drops the query's own
document, and prints nDCG@10, recall@5 and recall@100 against the judgments. In the same run it
prints the same figures for ``bm25s`` (English Snowball stemming and stop words, title + body).

    pip install -r requirements-bench.txt
    python bench/search_quality.py                      # the configured SEARCH_BACKEND
    python bench/search_quality.py --backend whoosh --backend database
    python bench/search_quality.py --limit 200          # a quick look at the first 200 queries
    python bench/search_quality.py --semantic both      # word matching, then SEARCH_SEMANTIC on

With the MiniLM weights and their libraries installed (``make install-semantic``) both modes are measured by
default: word matching alone (the default site) and semantic similar questions
(``SEARCH_SEMANTIC``, ``search/semantic.py``), each in its own process.

Nothing touches var/: the database, index and media live in a temporary folder that is
deleted afterwards (``--keep`` keeps it and prints where).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy: see search/minilm.py

import argparse
import json
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "travelse-dups" / "beir"


def load_beir(folder: Path) -> tuple[dict[str, dict], dict[str, str], dict[str, set[str]]]:
    corpus = {}
    with open(folder / "corpus.jsonl", encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            corpus[doc["_id"]] = doc
    queries = {}
    with open(folder / "queries.jsonl", encoding="utf-8") as fh:
        for line in fh:
            q = json.loads(line)
            queries[q["_id"]] = q["text"]
    qrels: dict[str, set[str]] = {}
    with open(folder / "qrels" / "test.tsv", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            qid, did, score = line.rstrip("\n").split("\t")
            if int(score) > 0:
                qrels.setdefault(qid, set()).add(did)
    return corpus, queries, qrels


def evaluate(run: dict[str, list[str]], qrels: dict[str, set[str]]) -> dict[str, float]:
    """Mean nDCG@10 (binary gains), recall@5 and recall@100 over the judged queries."""
    ndcg = r5 = r100 = 0.0
    judged = [qid for qid in qrels if qid in run]
    for qid in judged:
        relevant = qrels[qid]
        ranked = [d for d in run[qid] if d != qid]
        dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ranked[:10]) if d in relevant)
        ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), 10)))
        ndcg += dcg / ideal if ideal else 0.0
        r5 += len(relevant & set(ranked[:5])) / len(relevant)
        r100 += len(relevant & set(ranked[:100])) / len(relevant)
    n = len(judged) or 1
    return {"ndcg@10": ndcg / n, "recall@5": r5 / n, "recall@100": r100 / n, "queries": len(judged)}


def bm25s_baseline(corpus: dict[str, dict], queries: dict[str, str]) -> dict[str, list[str]]:
    try:
        import bm25s
        import Stemmer
    except ImportError:
        raise SystemExit(
            "The BM25 baseline needs the bench packages: pip install -r requirements-bench.txt"
        ) from None

    stemmer = Stemmer.Stemmer("english")
    ids = list(corpus)
    texts = [f"{corpus[i]['title']} {corpus[i]['text']}" for i in ids]
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False
    )
    qids = list(queries)
    tokens = bm25s.tokenize([queries[q] for q in qids], stopwords="en", stemmer=stemmer, show_progress=False)
    results, _scores = retriever.retrieve(tokens, k=101, show_progress=False, n_threads=1)
    return {qid: [ids[j] for j in results[n]] for n, qid in enumerate(qids)}


def setup_django(backend: str | None, var_dir: Path) -> None:
    os.environ["VAR_DIR"] = str(var_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ["TASKS_BACKEND"] = "immediate"
    os.environ["LOG_LEVEL"] = "WARNING"
    if backend:
        os.environ["SEARCH_BACKEND"] = backend
    os.environ["WHOOSH_INDEX_DIR"] = str(var_dir / "whoosh")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def import_corpus(corpus: dict[str, dict]) -> dict[str, int]:
    """Topics (title, question = body) through the project's models; returns corpus id -> pk."""
    from django.db import transaction
    from django.utils.text import slugify

    from accounts.models import User
    from forum import markup
    from forum.models import Category, Post, Topic

    author = User.objects.create(
        username="traveller", email="traveller@example.com", display_name="Traveller"
    )
    category = Category.objects.create(name="Travel", slug="travel")
    with transaction.atomic():
        topics = Topic.objects.bulk_create(
            [
                Topic(
                    title=doc["title"][:200],
                    slug=slugify(doc["title"])[:80].strip("-") or "topic",
                    author=author,
                    category=category,
                    external_id=doc_id,
                )
                for doc_id, doc in corpus.items()
            ],
            batch_size=500,
        )
        posts = []
        for topic, doc in zip(topics, corpus.values(), strict=True):
            rendered = markup.render_markdown(doc["text"][:20000] or doc["title"])
            posts.append(
                Post(
                    topic=topic,
                    author=author,
                    source=doc["text"][:20000],
                    html=rendered.html,
                    text=rendered.text,
                )
            )
        Post.objects.bulk_create(posts, batch_size=500)
        for topic, post in zip(topics, posts, strict=True):
            topic.first_post = post
        Topic.objects.bulk_update(topics, ["first_post"], batch_size=500)
    return {t.external_id: t.pk for t in topics}


def rebuild_index() -> float:
    from io import StringIO

    from django.core.management import call_command

    started = time.perf_counter()
    call_command("update_index", stdout=StringIO(), stderr=StringIO())
    return time.perf_counter() - started


def run_similar(
    queries: dict[str, str], pk_to_id: dict[int, str]
) -> tuple[dict[str, list[str]], list[float]]:
    from search.selectors import similar_hits

    run: dict[str, list[str]] = {}
    timings = []
    for qid, text in queries.items():
        started = time.perf_counter()
        hits = similar_hits(text, limit=101, candidates=101)
        timings.append(time.perf_counter() - started)
        run[qid] = [pk_to_id[h.obj.pk] for h in hits if h.type == "topic"]
    return run, timings


def bench_backend(backend: str | None, corpus, queries, qrels, keep: bool) -> dict:
    var_dir = Path(tempfile.mkdtemp(prefix="search-quality-"))
    try:
        setup_django(backend, var_dir)
        from django.conf import settings
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"  migrated in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        started = time.perf_counter()
        id_to_pk = import_corpus(corpus)
        imported = time.perf_counter() - started
        print(f"  imported {len(id_to_pk)} topics in {imported:.0f} s", file=sys.stderr, flush=True)
        seconds = rebuild_index()
        print(f"  index rebuilt in {seconds:.0f} s", file=sys.stderr, flush=True)
        pk_to_id = {pk: i for i, pk in id_to_pk.items()}
        run, timings = run_similar(queries, pk_to_id)
        scores = evaluate(run, qrels)
        timings.sort()
        scores.update(
            backend=settings.WAGTAILSEARCH_BACKENDS["default"]["BACKEND"],
            import_seconds=imported,
            index_seconds=seconds,
            docs_per_second=len(corpus) / seconds if seconds else 0.0,
            p50_ms=1000 * timings[len(timings) // 2],
            p95_ms=1000 * timings[int(len(timings) * 0.95)],
        )
        return scores
    finally:
        if keep:
            print(f"kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the BEIR folder")
    parser.add_argument("--backend", action="append", help="SEARCH_BACKEND to measure (repeatable)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N queries")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database and index")
    parser.add_argument("--json", action="store_true", help="print one JSON line per system as well")
    parser.add_argument(
        "--semantic",
        choices=("off", "on", "both"),
        default=None,
        help="SEARCH_SEMANTIC for the similar-questions path (default: both when the model is installed)",
    )
    args = parser.parse_args()
    if args.semantic is None:
        import importlib.util

        sys.path.insert(0, str(ROOT))
        from search.minilm import REQUIRED_MODULES

        installed = all(importlib.util.find_spec(name) for name in REQUIRED_MODULES)
        args.semantic = "both" if installed else "off"
    modes = {"off": ["0"], "on": ["1"], "both": ["0", "1"]}[args.semantic]

    corpus, queries, qrels = load_beir(args.data)
    queries = {q: t for q, t in queries.items() if q in qrels}
    if args.limit:
        queries = dict(list(queries.items())[: args.limit])
    print(f"corpus {len(corpus)} documents, {len(queries)} judged queries", flush=True)

    rows = []
    started = time.perf_counter()
    baseline = evaluate(bm25s_baseline(corpus, queries), qrels)
    baseline.update(
        backend="bm25s (stemmed, stop words, title + body)", seconds=time.perf_counter() - started
    )
    rows.append(("bm25s baseline", baseline))

    backends = args.backend or [None]
    configs = [(backend, mode) for backend in backends for mode in modes]
    if len(configs) > 1:
        # Django is set up once per process: measure each backend in its own child process.
        import subprocess

        for backend, mode in configs:
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--data",
                    str(args.data),
                    "--backend",
                    backend or "whoosh",
                    "--json",
                    "--no-baseline",
                ]
                + (["--limit", str(args.limit)] if args.limit else []),
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ, "SEARCH_SEMANTIC": mode},
            ).stdout
            line = [x for x in out.splitlines() if x.startswith("JSON ")][-1]
            rows.append((_label(backend, mode), json.loads(line[5:])))
    else:
        backend, mode = configs[0]
        os.environ["SEARCH_SEMANTIC"] = mode
        result = bench_backend(backend, corpus, queries, qrels, args.keep)
        rows.append((_label(backend, mode), result))

    print(f"{'system':38} {'nDCG@10':>8} {'R@5':>7} {'R@100':>7}")
    for name, r in rows:
        print(f"{name:38} {r['ndcg@10']:8.3f} {r['recall@5']:7.3f} {r['recall@100']:7.3f}")
    for name, r in rows[1:]:
        print(
            f"{name}: {r['backend']}, index rebuild {r['index_seconds']:.1f} s "
            f"({r['docs_per_second']:.0f} docs/s), similar p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms"
        )
    for name, r in rows[1:]:
        met = r["ndcg@10"] >= 0.30 and r["recall@5"] >= 0.35
        print(f"target nDCG@10 >= 0.30 and R@5 >= 0.35, {name}:", "met" if met else "NOT met")


def _label(backend: str | None, mode: str) -> str:
    return f"similar ({backend or 'configured'}{', semantic' if mode == '1' else ''})"


def child() -> None:
    """``--no-baseline --json``: one backend, one JSON line (used by main for several backends)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--backend", action="append")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    corpus, queries, qrels = load_beir(args.data)
    queries = {q: t for q, t in queries.items() if q in qrels}
    if args.limit:
        queries = dict(list(queries.items())[: args.limit])
    result = bench_backend(args.backend[0], corpus, queries, qrels, keep=False)
    print("JSON " + json.dumps(result))


if __name__ == "__main__":
    if "--no-baseline" in sys.argv:
        child()
    else:
        main()
