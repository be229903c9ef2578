"""The sanitiser under threads (security review, finding 3): 240 documents rendered from 8
threads at once each come out exactly as they do rendered alone."""

import threading

from forum import markup

THREADS = 8
ROUNDS = 30


def documents() -> list[str]:
    return [
        f"User{i} secret-{i} "
        + f"**bold** and [link](https://ex.com/{i}) <script>alert({i})</script> `code` " * 200
        + f"\n\n```\nblock {i} <b>\n```\n\n| a | b |\n|---|---|\n| {i} | x |\n"
        for i in range(THREADS)
    ]


def test_render_markdown_from_8_threads_matches_single_threaded_results():
    inputs = documents()
    expected = [markup.render_markdown(source) for source in inputs]
    assert all(f"secret-{i}" in r.html and "<script>" not in r.html for i, r in enumerate(expected))
    outputs: list[list] = [[] for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)

    def worker(i: int) -> None:
        barrier.wait(timeout=30)
        for _ in range(ROUNDS):
            try:
                outputs[i].append(markup.render_markdown(inputs[i]))
            except Exception as exc:  # noqa: BLE001 - compared below, any exception fails the test
                outputs[i].append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert sum(len(out) for out in outputs) == THREADS * ROUNDS == 240
    for i, out in enumerate(outputs):
        mismatches = [r for r in out if r != expected[i]]
        assert not mismatches, f"thread {i}: {len(mismatches)} of {ROUNDS} renders differ"


def test_clean_html_from_8_threads_matches_single_threaded_results():
    inputs = [
        f"<p>doc {i}</p><img src=x onerror=alert({i})><a href='https://e.com/{i}'>l</a>" * 300
        for i in range(THREADS)
    ]
    expected = [markup.clean_html(raw) for raw in inputs]
    results: dict[int, set[str]] = {i: set() for i in range(THREADS)}
    barrier = threading.Barrier(THREADS)

    def worker(i: int) -> None:
        barrier.wait(timeout=30)
        for _ in range(ROUNDS):
            results[i].add(markup.clean_html(inputs[i]))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert results == {i: {expected[i]} for i in range(THREADS)}
