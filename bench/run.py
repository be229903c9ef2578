"""The side-by-side benchmark: this site and the Spirit peer, same data size, same machine, one run.

    python bench/run.py --topics 5000            # what `make bench` runs
    python bench/run.py --topics 500 --duration 3 --warmup 1 --no-spirit   # a quick look
    python bench/run.py --topics 5000 --spirit-results DIR   # reuse a finished peer run
    python bench/run.py --topics 50000 --reuse --spirit-seeded DIR   # measure a seeded peer copy

Steps (each prints what it does):

1. A throwaway data folder ``<workdir>/T<n>/var`` (SQLite, whoosh index, static files):
   ``migrate``, ``seed_demo --allow-production`` (home page, FAQ, demo accounts),
   ``generate_community --topics N --no-index``, then ``update_index`` timed on its own (the
   index rebuild rate) and ``collectstatic``. ``--reuse`` keeps a data folder that already has
   the same number of generated topics.
2. ``bench/pages.py``: which pages exist (a page whose feature is missing is skipped with a
   note), a signed-in session, and SQL queries per page (in-process, after a warm-up request).
3. gunicorn, 2 sync workers on 127.0.0.1, production settings (DEBUG off, cached templates,
   manifest static files) with a throwaway secret and no HTTPS redirect. For each page, logged
   out and logged in, and each concurrency level: a warm-up, then a timed run (wrk, or
   ``bench/load.py`` when wrk is missing). Peak memory (VmHWM) of each worker at the end.
4. The peer: the harness in ``$SPIRIT_HARNESS`` (default ``../shared/peers/spirit``) is copied
   into ``<workdir>/spirit`` and run there with the same topics, durations, concurrency and
   load generator (it installs Spirit from PyPI into its own virtualenv). ``--spirit-seeded DIR``
   skips the peer's setup and seeding and measures the copy in DIR (its ``bench.sh``) in this run.
5. Tables: ours, the peer's, and the ratios against the targets. Also written to
   ``<workdir>/T<n>/summary.md`` and ``results.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "bench"
PY = sys.executable
LOGGED_IN_GROUPS = {"forum", "search", "similar", "faq"}


# A fresh key per run, shared by every process the run starts (sessions made in one step are
# read by gunicorn in the next); never a fixed value in the repository.
BENCH_SECRET_KEY = secrets.token_urlsafe(50)


def log(message: str) -> None:
    print(message, flush=True)


def free_port(preferred: range) -> int:
    for port in preferred:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- our site -------------------------------------------------------------------------------


def site_env(var: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of every process the benchmark starts for our site: production settings
    on the data folder ``var``; ``extra`` adds to it (``DATABASE_URL`` and ``REDIS_URL`` for the
    production configuration of ``bench/mixed.py``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=BENCH_SECRET_KEY,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_HSTS_SECONDS="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        VAR_DIR=str(var),
        STATIC_ROOT=str(var / "static"),
        MEDIA_ROOT=str(var / "media"),
        SEARCH_BACKEND=os.environ.get("BENCH_SEARCH_BACKEND", "whoosh"),
        TASKS_BACKEND="immediate",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        # Served over plain http on loopback, mail kept in memory: say so to the deploy checks.
        SITE_URL="http://127.0.0.1",
        DEFAULT_FROM_EMAIL="bench@127.0.0.1",
        DJANGO_SILENCED_SYSTEM_CHECKS="ops.E002,ops.E005",
        LOG_LEVEL="WARNING",
        PYTHONWARNINGS="ignore",
        # The load generator is one client standing for many visitors: the per-client search
        # limits (60 a minute from one address) would answer most of its searches with a 429.
        SEARCH_RATE_LIMIT="0",
        SIMILAR_RATE_LIMIT="0",
    )
    env.update(extra or {})
    return env


def manage(env: dict, *args: str, quiet: bool = False, timeout: float = 7200) -> subprocess.CompletedProcess:
    try:
        result = subprocess.run(
            [PY, str(ROOT / "manage.py"), *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        raise SystemExit(f"manage.py {' '.join(args)} took more than {timeout:.0f}s") from exc
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-3000:] + result.stderr[-3000:])
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    if not quiet:
        for line in result.stdout.splitlines():
            if line.strip() and not line.startswith("Task id="):
                log("    " + line)
    return result


def prepare_site(topics: int, var: Path, reuse: bool, extra_env: dict[str, str] | None = None) -> dict:
    env = site_env(var, extra_env)
    marker = var / "generated.json"
    if reuse and marker.exists() and json.loads(marker.read_text()).get("topics") == topics:
        log(f"== reusing {var} ({topics} topics): migrate and collectstatic only")
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "collectstatic", "--noinput", "-v0")
        return json.loads(marker.read_text())
    if var.exists():
        shutil.rmtree(var)
    var.mkdir(parents=True)
    log(f"== our site: fresh data in {var}")
    manage(env, "migrate", "--noinput", "-v0")
    try:
        manage(env, "seed_demo", "--allow-production", quiet=True, timeout=600)
    except SystemExit:
        log("   (seed_demo failed: the FAQ pages may be missing; carrying on)")
    started = time.perf_counter()
    manage(env, "generate_community", "--topics", str(topics), "--no-index")
    generate_s = time.perf_counter() - started
    log("== index rebuild (update_index, timed in-process)")
    counts = json.loads(
        manage(
            env,
            "shell",
            "-c",
            "import json, time; from django.core.management import call_command; "
            "from forum.models import Topic, Post; t = time.perf_counter(); "
            "call_command('update_index', verbosity=0); s = time.perf_counter() - t; "
            "print(json.dumps({'topics': Topic.objects.count(), 'posts': Post.objects.count(), 'seconds': s}))",
            quiet=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    index_s = counts["seconds"]
    manage(env, "collectstatic", "--noinput", "-v0")
    info = {
        "topics": topics,
        "all_topics": counts["topics"],
        "posts": counts["posts"],
        "generate_s": round(generate_s, 1),
        "index_s": round(index_s, 1),
        "index_topics_per_s": round(counts["topics"] / index_s, 1),
        "index_posts_per_s": round(counts["posts"] / index_s, 1),
        "db_bytes": (var / "db.sqlite3").stat().st_size if (var / "db.sqlite3").exists() else None,
    }
    log(
        f"   {counts['topics']:,} topics, {counts['posts']:,} posts; index rebuilt in {index_s:.1f}s "
        f"= {info['index_topics_per_s']} topics/s"
    )
    marker.write_text(json.dumps(info))
    return info


def pages_json(env: dict, what: str, stdin: str | None = None) -> dict | list:
    result = subprocess.run(
        [PY, str(HERE / "pages.py"), what], env=env, cwd=ROOT, input=stdin, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-4000:])
        raise SystemExit(f"bench/pages.py {what} failed")
    return json.loads(result.stdout.strip().splitlines()[-1])


def loadgen() -> str:
    if os.environ.get("LOADGEN"):
        return os.environ["LOADGEN"]
    if shutil.which("wrk"):
        return "wrk"
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("== installing wrk (apt)")
        quiet = {"capture_output": True, "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}}
        if subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], **quiet).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], **quiet)
            subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], **quiet)
        if shutil.which("wrk"):
            return "wrk"
    log("== wrk not available: using bench/load.py for both sites")
    return "py"


def load(url: str, conns: int, seconds: float, cookie: str | None, generator: str) -> dict:
    if generator == "wrk":
        cmd = [
            "wrk",
            "-t1",
            f"-c{conns}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "30s",
            "-s",
            str(HERE / "wrk_json.lua"),
        ]
        if cookie:
            cmd += ["-H", f"Cookie: {cookie}"]
        cmd.append(url)
    else:
        cmd = [PY, str(HERE / "load.py"), url, "--connections", str(conns), "--duration", str(seconds)]
        if cookie:
            cmd += ["--cookie", cookie]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    line = next((x for x in out.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise SystemExit(f"load generator printed no result for {url}:\n{out[-2000:]}")
    return json.loads(line[len("WRKJSON ") :])


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def peak_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def bench_site(var: Path, args, generator: str) -> dict:
    env = site_env(var)
    log("== pages and SQL queries per page (in-process)")
    spec = pages_json(env, "targets")
    for note in spec["notes"]:
        log(f"   note: {note}")
    queries = pages_json(env, "queries", json.dumps(spec))
    port = free_port(range(8107, 8121))
    base = f"http://127.0.0.1:{port}"
    log(f"== gunicorn, {args.workers} sync workers on {base} (load: {generator})")
    server = subprocess.Popen(
        [
            PY,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "60",
            "--error-logfile",
            str(var / "gunicorn.log"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    runs = []
    try:
        for _ in range(120):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(base + "/community/", timeout=5)  # noqa: S310 - loopback
                break
            time.sleep(0.5)
        cookie = f"{spec['session_cookie']}={spec['session']}"
        for page in spec["pages"]:
            for auth in (0, 1):
                if auth and page["group"] not in LOGGED_IN_GROUPS:
                    continue
                name = page["name"]
                if args.only and name not in args.only:
                    continue
                for conns in args.conns:
                    load(base + page["path"], 2, args.warmup, cookie if auth else None, generator)
                    result = load(
                        base + page["path"], conns, args.duration, cookie if auth else None, generator
                    )
                    result.update(name=name, path=page["path"], auth=auth, conns=conns, group=page["group"])
                    runs.append(result)
                    log(
                        f"   {name:<18} {'in ' if auth else 'out'} c={conns}  p50 {result['p50_ms']:7.1f} ms  "
                        f"p95 {result['p95_ms']:7.1f} ms  {result['rps']:7.1f} req/s  "
                        f"errors {result['err_status'] + result['err_timeout'] + result['err_read']}"
                    )
        workers = children(server.pid)
        memory = {str(pid): peak_kib(pid) for pid in workers}
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    log(f"   peak memory per worker (MiB): {', '.join(f'{v / 1024:.0f}' for v in memory.values())}")
    return {
        "pages": spec["pages"],
        "notes": spec["notes"],
        "queries": queries,
        "runs": runs,
        "memory_kib": memory,
    }


# --- the peer -------------------------------------------------------------------------------


class PeakWatcher(threading.Thread):
    """Records the peak RSS of the peer's gunicorn workers while its benchmark runs."""

    def __init__(self, marker: str):
        super().__init__(daemon=True)
        self.marker = marker
        self.peaks: dict[int, int] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(1.0):
            for proc in Path("/proc").iterdir():
                if not proc.name.isdigit():
                    continue
                try:
                    cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                except OSError:
                    continue
                if "gunicorn" in cmdline and self.marker in cmdline:
                    pid = int(proc.name)
                    self.peaks[pid] = max(self.peaks.get(pid, 0), peak_kib(pid))


def run_spirit(topics: int, workdir: Path, args, generator: str) -> dict:
    """The peer in ``<workdir>/spirit``: setup, seed, index and measure (``run.sh``); or, with
    ``--spirit-seeded DIR``, only measure (``bench.sh``) a copy of the harness already seeded
    with the same number of topics (seeding and indexing 50,000 topics takes the peer about an
    hour, which need not be paid again for every run)."""
    seeded = getattr(args, "spirit_seeded", None)
    if seeded is not None:
        seeded = seeded.resolve()
        seed_file = seeded / "data" / "seed.json"
        if not seed_file.is_file() or json.loads(seed_file.read_text()).get("topics") != topics:
            log(f"== peer skipped: {seeded} holds no seeded Spirit with {topics} topics")
            return {}
        return _spirit_measure(seeded, ["bash", "bench.sh"], topics, args, generator)
    harness = Path(os.environ.get("SPIRIT_HARNESS", ROOT.parent / "shared" / "peers" / "spirit"))
    if not (harness / "run.sh").is_file():
        log(f"== peer skipped: no harness at {harness} (set SPIRIT_HARNESS)")
        return {}
    copy = workdir / "spirit"
    copy.mkdir(parents=True, exist_ok=True)
    for item in harness.iterdir():
        if item.name in {"results", "data", ".venv", "site"}:
            continue
        target = copy / item.name
        if item.is_file():
            shutil.copy2(item, target)
            target.chmod(0o644)
    return _spirit_measure(copy, ["bash", "run.sh", str(topics)], topics, args, generator)


def _spirit_measure(copy: Path, command: list[str], topics: int, args, generator: str) -> dict:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "VIRTUAL_ENV"))},
        # The harness does shell arithmetic on these: whole seconds.
        "DURATION": str(max(1, round(args.duration))),
        "WARMUP": str(max(1, round(args.warmup))),
        "CONNS": " ".join(str(c) for c in args.conns),
        "LOADGEN": generator,
        "QUIET_MAX": os.environ.get("QUIET_MAX", "0"),
    }
    env["PATH"] = ":".join(p for p in env.get("PATH", "").split(":") if ".venv" not in p)
    what = "bench" if command[1] == "bench.sh" else f"setup, seed {topics} topics, index, bench"
    log(f"== peer (Spirit) in {copy}: {what}")
    watcher = PeakWatcher(str(copy))
    watcher.start()
    started = time.perf_counter()
    with open(copy / "run.log", "w") as out:
        result = subprocess.run(command, cwd=copy, env=env, stdout=out, stderr=subprocess.STDOUT)
    watcher.stop.set()
    if result.returncode != 0:
        log(f"   peer run failed (exit {result.returncode}); see {copy / 'run.log'}")
        return {}
    log(f"   peer done in {time.perf_counter() - started:.0f}s")
    data = read_spirit(copy / "results" / f"T{topics}")
    workers = sorted(watcher.peaks.items())[1:] if len(watcher.peaks) > 1 else sorted(watcher.peaks.items())
    data["memory_kib"] = {str(pid): kib for pid, kib in workers}
    return data


def read_spirit(folder: Path) -> dict:
    runs = [json.loads(line) for line in (folder / "bench.jsonl").read_text().splitlines() if line.strip()]
    return {
        "runs": [r for r in runs if not r.get("skipped")],
        "queries": json.loads((folder / "queries.json").read_text()),
        "seed": json.loads((folder / "seed.json").read_text()),
        "folder": str(folder),
    }


# --- tables ---------------------------------------------------------------------------------


def find(runs: list[dict], name: str, auth: int, conns: int) -> dict | None:
    return next(
        (r for r in runs if r["name"] == name and int(r["auth"]) == auth and r["conns"] == conns), None
    )


def fmt(value, spec: str = ".1f") -> str:
    return "–" if value is None else format(value, spec)


def our_table(ours: dict, conns: list[int]) -> list[str]:
    head = "| page | login | SQL q (writes) | KiB |"
    rule = "|---|---|---|---|"
    for c in conns:
        head += f" p50 ms c={c} | p95 ms c={c} | req/s c={c} |"
        rule += "---|---|---|"
    lines = [head + " errors |", rule + "---|"]
    queries = {(q["name"], q["auth"]): q for q in ours["queries"]}
    seen = []
    for r in ours["runs"]:
        key = (r["name"], r["auth"])
        if key in seen:
            continue
        seen.append(key)
        q = queries.get(key, {})
        row = f"| {r['name']} | {'yes' if r['auth'] else 'no'} | {q.get('queries', '–')} ({q.get('writes', '–')}) | {q.get('bytes', 0) / 1024:.0f} |"
        errors = 0
        for c in conns:
            x = find(ours["runs"], r["name"], r["auth"], c)
            row += f" {fmt(x and x['p50_ms'])} | {fmt(x and x['p95_ms'])} | {fmt(x and x['rps'])} |"
            if x:
                errors += x["err_status"] + x["err_timeout"] + x["err_read"]
        lines.append(row + f" {errors} |")
    return lines


def spirit_table(spirit: dict, conns: list[int]) -> list[str]:
    head = "| page | login | SQL q (writes) | KiB |"
    rule = "|---|---|---|---|"
    for c in conns:
        head += f" p50 ms c={c} | p95 ms c={c} | req/s c={c} |"
        rule += "---|---|---|"
    lines = [head, rule]
    seen = []
    for r in spirit["runs"]:
        if r["name"] in seen:
            continue
        seen.append(r["name"])
        q = spirit["queries"].get(r["name"], {})
        row = f"| {r['name']} | {'yes' if r['auth'] else 'no'} | {q.get('queries', '–')} ({q.get('writes', '–')}) | {q.get('bytes', 0) / 1024:.0f} |"
        for c in conns:
            x = find(spirit["runs"], r["name"], r["auth"], c)
            row += f" {fmt(x and x['p50_ms'])} | {fmt(x and x['p95_ms'])} | {fmt(x and x['rps'])} |"
        lines.append(row)
    return lines


# (our page, our login, peer page, what the issue asks for)
COMPARISONS = [
    ("topic_list", 0, "home", "rps ≥ 3×"),
    ("topic", 0, "topic", "rps ≥ 3×"),
    ("long_topic", 0, "long_topic", "rps ≥ 3×"),
    ("long_topic_last", 0, "long_topic_last_page", "rps ≥ 3×"),
    ("topic_list", 1, "home_auth", "rps ≥ 1.5×"),
    ("topic", 1, "topic_auth", "rps ≥ 1.5×"),
    ("search_common", 0, "search_error", "p50 ≤ 1/3"),
    ("search_mid", 0, "search_database", "p50 ≤ 1/3"),
    ("search_rare", 0, "search_kerfuffle", "p50 ≤ 1/3"),
    ("search_common", 1, "search_error", "p50 ≤ 1/3"),
    ("search_mid", 1, "search_database", "p50 ≤ 1/3"),
    ("search_rare", 1, "search_kerfuffle", "p50 ≤ 1/3"),
]


def ratio_table(ours: dict, spirit: dict, conns: list[int], our_info: dict) -> list[str]:
    head = "| our page (login) | peer page |"
    rule = "|---|---|"
    for c in conns:
        head += f" req/s ours / peer c={c} | ratio c={c} |"
        rule += "---|---|"
    head += " p50 ms ours / peer (c=1) | p50 ratio | target | met |"
    rule += "---|---|---|---|"
    lines = [head, rule]
    for name, auth, peer, target in COMPARISONS:
        mine = [find(ours["runs"], name, auth, c) for c in conns]
        theirs = [
            find(spirit["runs"], peer, 1 if peer.startswith("search") or peer.endswith("_auth") else 0, c)
            for c in conns
        ]
        if not mine[0] or not theirs[0]:
            continue
        row = f"| {name} ({'in' if auth else 'out'}) | {peer} |"
        ratios = []
        for m, t in zip(mine, theirs, strict=True):
            ratio = (m["rps"] / t["rps"]) if m and t and t["rps"] else None
            ratios.append(ratio)
            row += f" {fmt(m and m['rps'])} / {fmt(t and t['rps'])} | {fmt(ratio, '.2f')}× |"
        p50 = mine[0]["p50_ms"] / theirs[0]["p50_ms"] if theirs[0]["p50_ms"] else None
        row += f" {mine[0]['p50_ms']:.1f} / {theirs[0]['p50_ms']:.1f} | {fmt(p50, '.2f')} | {target} |"
        if target.startswith("rps"):
            need = float(target.split("≥")[1].strip(" ×"))
            met = ratios[0] is not None and ratios[0] >= need
        else:
            met = p50 is not None and p50 <= 1 / 3
        lines.append(row + (" yes |" if met else " **no** |"))
    peer_index = spirit.get("seed", {}).get("index_docs_per_s")
    if peer_index:
        ratio = our_info["index_topics_per_s"] / peer_index
        lines.append("")
        lines.append(
            f"Index rebuild: ours {our_info['index_topics_per_s']} topics/s, peer {peer_index} docs/s "
            f"(one per topic) = {ratio:.2f}× (target ≥ 2×: {'met' if ratio >= 2 else 'not met'})."
        )
    return lines


def summary(topics: int, info: dict, ours: dict, spirit: dict, args) -> str:
    out = [f"# Benchmark at T={topics:,} topics", ""]
    out.append(
        f"Ours: {info['all_topics']:,} topics, {info['posts']:,} posts; generated in {info['generate_s']}s; "
        f"index rebuild {info['index_s']}s = {info['index_topics_per_s']} topics/s "
        f"({info['index_posts_per_s']} posts/s). {args.workers} gunicorn workers, {args.duration}s per run, "
        f"load generator {ours.get('loadgen')}."
    )
    if ours.get("memory_kib"):
        out.append(
            "Peak memory per worker: "
            + ", ".join(f"{v / 1024:.0f} MiB" for v in ours["memory_kib"].values())
            + "."
        )
    for note in ours.get("notes", []):
        out.append(f"Note: {note}.")
    out += ["", "## Ours", ""] + our_table(ours, args.conns)
    if spirit:
        seed = spirit["seed"]
        out += [
            "",
            "## Spirit (peer)",
            "",
            f"{seed.get('topics'):,} topics, {seed.get('comments'):,} comments; index {seed.get('index_seconds')}s = "
            f"{seed.get('index_docs_per_s')} docs/s. Results: {spirit['folder']}.",
        ]
        if spirit.get("memory_kib"):
            out.append(
                "Peak memory per worker: "
                + ", ".join(f"{v / 1024:.0f} MiB" for v in spirit["memory_kib"].values())
                + "."
            )
        out += [""] + spirit_table(spirit, args.conns)
        out += ["", "## Ratios (same run)", ""] + ratio_table(ours, spirit, args.conns, info)
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--topics", type=int, default=int(os.environ.get("TOPICS", 5000)))
    parser.add_argument("--duration", type=float, default=float(os.environ.get("DURATION", 10)))
    parser.add_argument("--warmup", type=float, default=float(os.environ.get("WARMUP", 3)))
    parser.add_argument(
        "--conns", type=int, nargs="+", default=[int(c) for c in os.environ.get("CONNS", "1 2").split()]
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="only these page names (e.g. topic search_rare)")
    parser.add_argument("--workdir", type=Path, default=Path(os.environ.get("BENCH_DIR", HERE / "results")))
    parser.add_argument("--reuse", action="store_true", help="keep our data folder if it has the same size")
    parser.add_argument("--no-spirit", action="store_true", help="measure only this site")
    parser.add_argument("--prepare-only", action="store_true", help="build our data folder and stop")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="reprint the tables from results.json (with --spirit-results)",
    )
    parser.add_argument("--spirit-results", type=Path, help="use a finished peer run (results/T<n>) instead")
    parser.add_argument(
        "--spirit-seeded",
        type=Path,
        help="measure, in this run, a copy of the peer harness already set up and seeded with --topics",
    )
    args = parser.parse_args()

    workdir = args.workdir.resolve()
    out_dir = workdir / f"T{args.topics}"
    out_dir.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        saved = json.loads((out_dir / "results.json").read_text())
        spirit = read_spirit(args.spirit_results) if args.spirit_results else saved["spirit"]
        text = summary(args.topics, saved["info"], saved["ours"], spirit, args)
        (out_dir / "summary.md").write_text(text)
        print(text)
        return
    generator = loadgen()
    info = prepare_site(args.topics, out_dir / "var", args.reuse)
    if args.prepare_only:
        print(json.dumps(info, indent=1))
        return
    ours = bench_site(out_dir / "var", args, generator)
    ours["loadgen"] = generator
    spirit: dict = {}
    if args.spirit_results:
        spirit = read_spirit(args.spirit_results)
    elif not args.no_spirit:
        spirit = run_spirit(args.topics, workdir, args, generator)
    text = summary(args.topics, info, ours, spirit, args)
    (out_dir / "summary.md").write_text(text)
    (out_dir / "results.json").write_text(
        json.dumps({"info": info, "ours": ours, "spirit": spirit}, indent=1)
    )
    print()
    print(text)
    print(f"(written to {out_dir / 'summary.md'})")


if __name__ == "__main__":
    main()
