"""Mixed traffic: readers on a long tail of pages while members write, ours and the Spirit peer
in one run, with the same data size, the same mix and the same load generator.

    python bench/mixed.py --topics 5000                      # what `make bench-mixed` runs
    python bench/mixed.py --topics 5000 --config production --rates 5 20
    python bench/mixed.py --topics 5000 --with-search        # search and FAQ pages in the mix
    python bench/mixed.py --topics 5000 --prime              # a warm cache instead of a cold one
    python bench/mixed.py --topics 50000 --spirit-seeded bench/results/spirit-T50000

Readers: wrk, 4 connections, one thread, anonymous, requesting addresses from a sequence drawn
once from a Zipf mix (``--zipf`` 1.0): 70% topic pages (topics ranked by a fixed shuffle,
weight 1/rank), 30% the topic list's pages 1-20 and the category pages (page 1 and the first
category weigh most). ``--with-search`` makes it 60% topics, 25% lists, 10% searches (a Zipf
over 60 query words) and 5% FAQ articles; the peer has no FAQ, so those are its topic pages,
and its search needs a login, so its search requests carry a signed-in cookie.

Writers: another process writing at 0, 1, 5 and 20 writes/s (``--rates``) through each site's
own write path: ours through the services (``post_create`` replies 40%, "me too" toggles 20%,
vote toggles 25%, ``post_edit`` edits 15%: ``bench/mixed_site.py``), Spirit through its comment
model and counters (``bench/mixed_spirit.py``), on topics drawn from the same popularity.

Configurations (``--config``, both by default):

* ``embedded``: the default install: SQLite, per-process cache (the page-cache version in a
  stamp file), tasks run in-process;
* ``production``: PostgreSQL (database ``community_bench_t<N>``, copied for each run from a
  template), Redis (database ``--redis-db``, 3), ``TASKS_BACKEND=database`` with one
  ``manage.py db_worker`` running.

``--prime`` measures a warm cache instead of a cold one: each site is started once per
configuration on fresh data, every address of the mix is requested once with no writer running,
then the rates run in turn on the running sites (the writes of one rate stay for the next).

Without it, each (configuration, rate) runs ours then the peer: data copied afresh, server started (2 gunicorn
sync workers, production settings), writers started, ``--warmup`` seconds of readers discarded,
then ``--duration`` (20) seconds measured, writers stopped, server stopped. Figures: reader req/s,
p50/p90/p99, page-cache hit share (``X-Page-Cache`` counted in wrk's response callback), errors
(non-2xx/3xx answers, timeouts, read errors), writes done per second, and our req/s over the
peer's. Tables go to stdout and ``bench/results/mixed-T<N>[-search]-<time>.md`` (with the raw
figures in a ``.json`` beside it). The peer runs on SQLite with WAL and ``BEGIN IMMEDIATE``
(its harness's ``SQLITE_TUNED=1``): with stock settings its writers and its view counter fail with
"database is locked".
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402  (bench/run.py: data preparation, environment, the peer's harness)

ROOT = run.ROOT
HERE = run.HERE
PY = run.PY
OUR_PORTS = range(8130, 8135)
PEER_PORTS = range(8135, 8140)
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
SEARCH_WORDS = [
    "error",
    "database",
    "export",
    "login",
    "password",
    "install",
    "update",
    "report",
    "email",
    "server",
    "sync",
    "backup",
    "invoice",
    "calendar",
    "printer",
    "account",
    "upload",
    "download",
    "import",
    "permission",
    "cache",
    "timeout",
    "crash",
    "slow",
    "mobile",
    "browser",
    "notification",
    "schedule",
    "integration",
    "connection",
    "certificate",
    "payment",
    "refund",
    "subscription",
    "license",
    "migration",
    "version",
    "setting",
    "language",
    "format",
    "template",
    "theme",
    "plugin",
    "widget",
    "chart",
    "filter",
    "search",
    "index",
    "memory",
    "disk",
    "network",
    "proxy",
    "token",
    "session",
    "admin",
    "user",
    "group",
    "role",
]
log = run.log


# --- the address mix --------------------------------------------------------------------------


def zipf_cum(n: int, s: float) -> list[float]:
    total, out = 0.0, []
    for rank in range(n):
        total += 1.0 / (rank + 1) ** s
        out.append(total)
    return out


def sequence(addresses: dict, args, length: int = 60000, peer: bool = False) -> list[str]:
    """The readers' addresses in order: one draw, the same for both sites (``addresses`` of each
    site list the same topics in the same order, see ``mixed_site.py`` / ``mixed_spirit.py``)."""
    rng = random.Random(args.seed)
    topics = addresses["topics"]
    ranks = list(range(len(topics)))
    random.Random(20240601).shuffle(ranks)  # popularity order, shared with the writers
    topic_cum = zipf_cum(len(topics), args.zipf)
    lists = [addresses["list"] + (f"?page={n}" if n > 1 else "") for n in range(1, 21)]
    lists += addresses["categories"]
    list_cum = zipf_cum(len(lists), args.zipf)
    word_cum = zipf_cum(len(SEARCH_WORDS), args.zipf)
    if args.with_search:
        groups, weights = ["topic", "list", "search", "faq"], [0.60, 0.25, 0.10, 0.05]
    else:
        groups, weights = ["topic", "list"], [0.70, 0.30]
    out = []
    for _ in range(length):
        group = rng.choices(groups, weights=weights)[0]
        if group == "faq" and not addresses["faq"]:
            group = "topic"  # the peer has no FAQ: its topic pages stand in
        if group == "topic":
            rank = rng.choices(range(len(topics)), cum_weights=topic_cum)[0]
            out.append(topics[ranks[rank]])
        elif group == "list":
            # Weights by rank over: page 1, the first category, page 2, the second, ...
            rank = rng.choices(range(len(lists)), cum_weights=list_cum)[0]
            out.append(lists[_interleave(rank, 20, len(lists) - 20)])
        elif group == "search":
            word = SEARCH_WORDS[rng.choices(range(len(SEARCH_WORDS)), cum_weights=word_cum)[0]]
            out.append(f"/search/?q={word}" + ("\tauth" if peer else ""))
        else:
            out.append(addresses["faq"][rng.randrange(len(addresses["faq"]))])
    return out


def _interleave(rank: int, pages: int, categories: int) -> int:
    """Rank 0, 1, 2, ... -> list page 1, category 1, list page 2, category 2, ... (index into
    ``lists``: pages first, then categories), the longer run continuing alone."""
    pairs = min(pages, categories)
    if rank < 2 * pairs:
        return rank // 2 if rank % 2 == 0 else pages + rank // 2
    rest = rank - 2 * pairs
    return pairs + rest if pages > categories else pages + pairs + rest


# --- load and processes --------------------------------------------------------------------------


def wrk(
    base: str, paths_file: Path, seconds: float, conns: int, cookie: str = "", once: bool = False
) -> dict:
    env = {
        **os.environ,
        "MIXED_PATHS": str(paths_file),
        "MIXED_COOKIE": cookie,
        "MIXED_ONCE": "1" if once else "",
    }
    cmd = ["wrk", "-t1", f"-c{conns}", f"-d{max(1, round(seconds))}s", "--timeout", "30s"]
    cmd += ["-s", str(HERE / "wrk_mixed.lua"), base]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=seconds + 60).stdout
    line = next((x for x in out.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no result for {base}:\n{out[-2000:]}")
    return json.loads(line[len("WRKJSON ") :])


def wait_ready(url: str, seconds: float = 90) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        with contextlib.suppress(OSError):
            urllib.request.urlopen(url, timeout=5)  # noqa: S310 - loopback
            return
        time.sleep(0.5)
    raise SystemExit(f"no answer from {url}")


def stop(process: subprocess.Popen | None, timeout: float = 30) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def writer_result(process: subprocess.Popen | None) -> dict:
    if process is None:
        return {"writes": 0, "per_s": 0.0, "kinds": {}, "errors": {}}
    out, err = process.communicate(timeout=120)
    line = next((x for x in out.splitlines() if x.startswith("WRITERJSON ")), None)
    if line is None:
        return {"writes": 0, "per_s": 0.0, "kinds": {}, "errors": {"writer failed": 1}, "stderr": err[-1500:]}
    return json.loads(line[len("WRITERJSON ") :])


# --- our site ------------------------------------------------------------------------------------


class Ours:
    name = "ours"

    def __init__(self, config: str, args, workdir: Path):
        self.config = config
        self.args = args
        self.template_var = workdir / f"T{args.topics}" / ("var" if config == "embedded" else "var-pg")
        self.var = workdir / f"T{args.topics}" / f"mixed-{config}"
        self.template_db = f"community_bench_t{args.topics}"
        self.run_db = "community_bench_run"
        self.port = run.free_port(OUR_PORTS)
        self.processes: list[subprocess.Popen] = []

    def settings_for(self, var: Path, database: str) -> dict[str, str]:
        if self.config == "embedded":
            return {}
        return {
            "DATABASE_URL": f"{POSTGRES}/{database}",
            "REDIS_URL": f"redis://127.0.0.1:6379/{self.args.redis_db}",
            "TASKS_BACKEND": "database",
            "WHOOSH_INDEX_DIR": str(var / "whoosh"),
        }

    def env(self) -> dict[str, str]:
        return run.site_env(self.var, self.settings_for(self.var, self.run_db))

    def prepare(self) -> None:
        """The template data (made once, reused), then the addresses."""
        marker = self.template_var / "generated.json"
        ready = marker.exists() and json.loads(marker.read_text()).get("topics") == self.args.topics
        if self.config == "production" and ready:
            ready = _pg_exists(self.template_db)
        if not ready:
            if self.config == "production":
                _pg(f'DROP DATABASE IF EXISTS "{self.template_db}"')
                _pg(f'CREATE DATABASE "{self.template_db}"')
            run.prepare_site(
                self.args.topics,
                self.template_var,
                reuse=True,
                extra_env=self.settings_for(self.template_var, self.template_db)
                | {"TASKS_BACKEND": "immediate"},
            )
        # Writers created before any copy, so every run starts from the same data.
        self.addresses = self._json(
            [PY, str(HERE / "mixed_site.py"), "addresses"],
            run.site_env(self.template_var, self.settings_for(self.template_var, self.template_db)),
        )

    def reset(self) -> None:
        """A fresh copy of the template data: every run starts from the same state."""
        if self.var.exists():
            shutil.rmtree(self.var)
        shutil.copytree(self.template_var, self.var, symlinks=True)
        if self.config == "production":
            _pg(f'DROP DATABASE IF EXISTS "{self.run_db}"')
            _pg(f'CREATE DATABASE "{self.run_db}" TEMPLATE "{self.template_db}"')
            import redis

            redis.Redis(host="127.0.0.1", port=6379, db=self.args.redis_db).flushdb()

    def _json(self, cmd: list[str], env: dict) -> dict:
        result = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            sys.stderr.write(result.stderr[-3000:])
            raise SystemExit(f"{' '.join(cmd[1:3])} failed")
        return json.loads(result.stdout.strip().splitlines()[-1])

    def start(self) -> str:
        env = self.env()
        base = f"http://127.0.0.1:{self.port}"
        server = subprocess.Popen(
            [PY, "-m", "gunicorn", "config.wsgi", "--workers", str(self.args.workers), "--bind",
             f"127.0.0.1:{self.port}", "--log-level", "warning", "--timeout", "60",
             "--error-logfile", str(self.var / "gunicorn.log")],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.processes = [server]
        if self.config == "production":
            worker = subprocess.Popen(
                [PY, str(ROOT / "manage.py"), "db_worker", "--interval", "0.5"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(self.var / "worker.log", "w"),  # noqa: SIM115
            )  # fmt: skip
            self.processes.append(worker)
        wait_ready(base + "/community/")
        return base

    def writer(self, rate: float, seconds: float) -> subprocess.Popen:
        cmd = [PY, str(HERE / "mixed_site.py"), "write", "--rate", str(rate), "--duration", str(seconds)]
        cmd += ["--seed", str(self.args.seed), "--zipf", str(self.args.zipf)]
        return subprocess.Popen(
            cmd, cwd=ROOT, env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def cookie(self) -> str:
        return ""

    def finish(self) -> dict:
        for process in reversed(self.processes):
            stop(process)
        self.processes = []
        log_file = self.var / "gunicorn.log"
        text = log_file.read_text(errors="replace") if log_file.exists() else ""
        return {"server_tracebacks": text.count("Traceback")}


def _pg(sql: str, dbname: str = "postgres") -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/{dbname}", autocommit=True) as conn:
        conn.execute(sql)


def _pg_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


# --- the peer ------------------------------------------------------------------------------------


class Peer:
    name = "spirit"

    def __init__(self, args, workdir: Path):
        self.args = args
        self.home = (args.spirit_seeded or workdir / f"spirit-T{args.topics}").resolve()
        self.data = self.home / "data"
        self.run_data = self.home / "data-mixed"
        self.port = run.free_port(PEER_PORTS)
        self.processes: list[subprocess.Popen] = []
        self.py = str(self.home / ".venv" / "bin" / "python")

    def env(self, data: Path | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "VIRTUAL_ENV"))}
        env.update(
            DJANGO_SETTINGS_MODULE="bench_settings",
            PYTHONPATH=f"{self.home}:{self.home / 'site'}",
            SPIRIT_BENCH_DATA=str(data or self.run_data),
            SQLITE_TUNED="1",
            PYTHONWARNINGS="ignore",
        )
        env["PATH"] = ":".join(p for p in env.get("PATH", "").split(":") if ".venv" not in p)
        return env

    def seeded(self) -> dict | None:
        seed = self.data / "seed.json"
        if seed.is_file():
            info = json.loads(seed.read_text())
            if info.get("topics") == self.args.topics:
                return info
        return None

    def prepare(self) -> bool:
        info = self.seeded()
        if info is None:
            if self.args.spirit_seeded:
                log(f"== peer skipped: {self.home} holds no seeded Spirit with {self.args.topics} topics")
                return False
            harness = Path(os.environ.get("SPIRIT_HARNESS", ROOT.parent / "shared" / "peers" / "spirit"))
            if not (harness / "setup.sh").is_file():
                log(f"== peer skipped: no harness at {harness} (set SPIRIT_HARNESS)")
                return False
            self.home.mkdir(parents=True, exist_ok=True)
            for item in harness.iterdir():
                if item.is_file():
                    shutil.copy2(item, self.home / item.name)
                    (self.home / item.name).chmod(0o644)
            skip = [] if self.args.with_search else ["--skip-index"]
            log(f"== peer (Spirit) in {self.home}: setup, seed {self.args.topics} topics {' '.join(skip)}")
            env = self.env(self.data)
            with open(self.home / "mixed-setup.log", "w") as out:
                for cmd in (
                    ["bash", "setup.sh"],
                    [self.py, "seed.py", "--topics", str(self.args.topics), *skip],
                ):
                    if subprocess.run(
                        cmd, cwd=self.home, env=env, stdout=out, stderr=subprocess.STDOUT
                    ).returncode:
                        log(f"   peer setup failed; see {self.home / 'mixed-setup.log'}")
                        return False
            info = self.seeded() or {}
        if self.args.with_search and not info.get("index_docs"):
            log("== peer skipped: its search index was not built (seeded with --skip-index)")
            return False
        for script in ("mixed_spirit.py", "mixed_writers.py"):
            shutil.copy2(HERE / script, self.home / script)
        self.addresses = json.loads(
            subprocess.run(
                [self.py, "mixed_spirit.py", "addresses"], cwd=self.home, env=self.env(self.data),
                capture_output=True, text=True, check=True,
            ).stdout.strip().splitlines()[-1]
        )  # fmt: skip
        return True

    def reset(self) -> None:
        if self.run_data.exists():
            shutil.rmtree(self.run_data)
        shutil.copytree(self.data, self.run_data)

    def start(self) -> str:
        base = f"http://127.0.0.1:{self.port}"
        server = subprocess.Popen(
            [str(self.home / ".venv" / "bin" / "gunicorn"), "benchsite.wsgi:application", "--workers",
             str(self.args.workers), "--bind", f"127.0.0.1:{self.port}", "--pythonpath",
             f"{self.home},{self.home / 'site'}", "--error-logfile", str(self.run_data / "gunicorn.log"),
             "--log-level", "warning", "--timeout", "60"],
            cwd=self.home, env=self.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.processes = [server]
        wait_ready(base + "/")
        return base

    def writer(self, rate: float, seconds: float) -> subprocess.Popen:
        cmd = [self.py, "mixed_spirit.py", "write", "--rate", str(rate), "--duration", str(seconds)]
        cmd += ["--seed", str(self.args.seed), "--zipf", str(self.args.zipf)]
        return subprocess.Popen(
            cmd, cwd=self.home, env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def cookie(self) -> str:
        return f"sessionid={self.addresses['session']}"

    def finish(self) -> dict:
        for process in reversed(self.processes):
            stop(process)
        self.processes = []
        log_file = self.run_data / "gunicorn.log"
        text = log_file.read_text(errors="replace") if log_file.exists() else ""
        return {"server_tracebacks": text.count("Traceback"), "db_locked": text.count("database is locked")}


# --- one measured run ------------------------------------------------------------------------------


def measure(site, rate: float, paths_file: Path, args) -> dict:
    """One cold run: fresh data, the server started, the load, the server stopped."""
    site.reset()
    base = site.start()
    try:
        result = load(site, base, rate, paths_file, args)
    finally:
        result_extra = site.finish()
    return finish_result(result, result_extra)


def prime(site, base: str, paths_file: Path, args) -> dict:
    """Every address of the mix once, ``--conns`` at a time, with no writer running: the cache of
    a site that has served this traffic for a while (``--prime``). A plain client, as wrk
    cannot stop after a number of requests."""
    from concurrent.futures import ThreadPoolExecutor

    lines = list(dict.fromkeys(paths_file.read_text().splitlines()))
    if args.prime_limit:
        lines = lines[: args.prime_limit]  # the first distinct addresses, in the mix's order
    cookie = site.cookie()

    def get(line: str) -> int:
        path, _, flag = line.partition("\t")
        request = urllib.request.Request(base + path, headers={"Cookie": cookie} if flag == "auth" else {})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
                response.read()
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return 0

    started = time.time()
    with ThreadPoolExecutor(max_workers=args.conns) as pool:
        statuses = list(pool.map(get, lines))
    taken = time.time() - started
    return {
        "requests": len(lines),
        "seconds_taken": round(taken, 1),
        "rps": round(len(lines) / taken, 1) if taken else 0.0,
        "not_2xx_3xx": sum(1 for status in statuses if not 200 <= status < 400),
    }


def load(site, base: str, rate: float, paths_file: Path, args) -> dict:
    """Writers at ``rate``, then the readers: ``--warmup`` seconds discarded, ``--duration``
    measured."""
    writer = None
    try:
        if rate > 0:
            writer = site.writer(rate, args.warmup + args.duration + 1)
        if args.warmup > 0:
            wrk(base, paths_file, args.warmup, args.conns, site.cookie())
        result = wrk(base, paths_file, args.duration, args.conns, site.cookie())
    finally:
        written = writer_result(writer) if writer else writer_result(None)
    result["writer"] = written
    return result


def finish_result(result: dict, extra: dict) -> dict:
    result.update(extra)
    cached = result["hits"] + result["misses"]
    result["hit_share"] = result["hits"] / result["requests"] if result["requests"] else 0.0
    result["cacheable_hit_share"] = result["hits"] / cached if cached else 0.0
    result["errors"] = (
        result["err_status"] + result["err_timeout"] + result["err_read"] + result["err_connect"]
    )
    return result


def warm_runs(sites: list, paths: dict, args) -> list[dict]:
    """``--prime``: each site started once on fresh data and primed once, then every rate in
    turn on the same running site (ours then the peer for each rate), so the cache stays warm as
    on a site that keeps serving; the writes of one rate stay for the next (a few hundred rows
    on tens of thousands)."""
    bases, primed = {}, {}
    rows = []
    try:
        for site in sites:
            site.reset()
            bases[site.name] = site.start()
            primed[site.name] = prime(site, bases[site.name], paths[site.name], args)
            log(
                f"   primed {site.name}: {primed[site.name]['requests']} addresses in "
                f"{primed[site.name]['seconds_taken']} s ({primed[site.name]['not_2xx_3xx']} not 2xx/3xx)"
            )
        for rate in args.rates:
            row: dict = {"rate": rate}
            for site in sites:
                result = load(site, bases[site.name], rate, paths[site.name], args)
                result["primed"] = primed[site.name]
                row[site.name] = finish_result(result, {})
                report(site, rate, row[site.name], args)
            rows.append(row)
    finally:
        for site in sites:
            extra = site.finish()
            for row in rows:
                if site.name in row:
                    row[site.name].update(extra)
    return rows


def report(site, rate: float, result: dict, args) -> None:
    log(
        f"   {site.name:<6} {rate:>4g} w/s: {result['rps']:7.1f} req/s  p50 {result['p50_ms']:6.1f}  "
        f"p90 {result['p90_ms']:6.1f}  p99 {result['p99_ms']:7.1f} ms  hits {100 * result['hit_share']:3.0f}%  "
        f"errors {result['errors']}  writes {result['writer']['per_s']}/s"
    )


# --- tables --------------------------------------------------------------------------------------

TARGETS = {("production", 5): 3.0, ("production", 20): 2.0, ("embedded", 5): 2.0}


def fmt(value, spec: str = ".1f") -> str:
    return "–" if value is None else format(value, spec)


def table(config: str, rows: list[dict]) -> list[str]:
    lines = [
        f"### {config}",
        "",
        "| writes/s (done ours / peer) | ours req/s | p50 / p90 / p99 ms | page-cache hits | errors "
        "| Spirit req/s | p50 / p90 / p99 ms | errors | ratio | target |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        o, s = row["ours"], row.get("spirit")
        ratio = o["rps"] / s["rps"] if s and s["rps"] else None
        target = TARGETS.get((config, int(row["rate"])))
        met = "" if target is None or ratio is None else (" met" if ratio >= target else " **not met**")
        ow, sw = o["writer"]["per_s"], (s["writer"]["per_s"] if s else None)
        peer_lat = f"{s['p50_ms']:.1f} / {s['p90_ms']:.1f} / {s['p99_ms']:.1f}" if s else "–"
        goal = f"≥ {target:g}×{met}" if target else ""
        lines.append(
            f"| {row['rate']:g} ({fmt(ow, '.1f')} / {fmt(sw, '.1f')}) | {o['rps']:.1f} "
            f"| {o['p50_ms']:.1f} / {o['p90_ms']:.1f} / {o['p99_ms']:.1f} | {100 * o['hit_share']:.0f}% "
            f"| {o['errors']} | {fmt(s and s['rps'])} "
            f"| {peer_lat} | {s['errors'] if s else '–'} | {fmt(ratio, '.2f')}× | {goal} |"
        )
    prod5 = next((r["ours"] for r in rows if config == "production" and int(r["rate"]) == 5), None)
    if prod5:
        lines += [
            "",
            f"Production, 5 writes/s: p99 {prod5['p99_ms']:.1f} ms (target ≤ 100: "
            f"{'met' if prod5['p99_ms'] <= 100 else 'not met'}), page-cache hits "
            f"{100 * prod5['hit_share']:.0f}% (target ≥ 80%: {'met' if prod5['hit_share'] >= 0.8 else 'not met'}).",
        ]
    writer_errors = {
        f"{site} at {row['rate']:g}/s": row[site]["writer"]["errors"]
        for row in rows
        for site in ("ours", "spirit")
        if row.get(site) and row[site]["writer"].get("errors")
    }
    if writer_errors:
        lines += ["", f"Writer errors: {json.dumps(writer_errors)}"]
    return lines


def summary(results: dict, args, started: str) -> str:
    out = [
        f"## Mixed traffic at {args.topics:,} topics{' (with search and FAQ)' if args.with_search else ''}",
        "",
        f"{started}; wrk -t1 -c{args.conns}, {args.duration:g} s measured after {args.warmup:g} s warm-up; "
        f"{args.workers} gunicorn sync workers each; Zipf s={args.zipf}; readers anonymous; "
        + (
            (
                f"cache warm (the first {args.prime_limit:,} distinct addresses of the mix requested once "
                "before the runs, writers off). "
                if args.prime_limit
                else "cache warm (every address of the mix requested once before the runs, writers off). "
            )
            if args.prime
            else "cache cold at the start of each run. "
        )
        + "Hits: share of all reader responses served from the page cache. Errors: non-2xx/3xx "
        "answers, timeouts and read errors. Ratio: our req/s over Spirit's, same run.",
        "",
    ]
    for config, rows in results.items():
        out += table(config, rows) + [""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--topics", type=int, default=int(os.environ.get("TOPICS", 5000)))
    parser.add_argument(
        "--config", nargs="+", choices=["embedded", "production"], default=["embedded", "production"]
    )
    parser.add_argument("--rates", type=float, nargs="+", default=[0, 1, 5, 20])
    parser.add_argument("--duration", type=float, default=float(os.environ.get("DURATION", 20)))
    parser.add_argument("--warmup", type=float, default=float(os.environ.get("WARMUP", 5)))
    parser.add_argument("--conns", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--zipf", type=float, default=1.0, help="Zipf exponent of page popularity")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--with-search", action="store_true", help="add search and FAQ pages to the mix")
    parser.add_argument("--redis-db", type=int, default=int(os.environ.get("BENCH_REDIS_DB", 3)))
    parser.add_argument("--workdir", type=Path, default=Path(os.environ.get("BENCH_DIR", HERE / "results")))
    parser.add_argument("--no-spirit", action="store_true", help="measure only this site")
    parser.add_argument(
        "--prime",
        action="store_true",
        help="before each measured run, request every address of the mix once (a warm cache, as on a "
        "site that has served this traffic for a while); without it each run starts cold",
    )
    parser.add_argument(
        "--prime-limit",
        type=int,
        default=0,
        help="with --prime: only the first N distinct addresses of the mix (0: all); at 50,000 "
        "topics the mix has about 20,000, which the peer takes a quarter of an hour to serve",
    )
    parser.add_argument("--spirit-seeded", type=Path, help="a copy of the peer harness seeded with --topics")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed (apt-get install wrk): its Lua callback counts the page-cache hits")

    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    peer = None if args.no_spirit else Peer(args, workdir)
    if peer is not None and not peer.prepare():
        peer = None
    results: dict[str, list[dict]] = {}
    for config in args.config:
        ours = Ours(config, args, workdir)
        log(f"== {config}: preparing our data ({args.topics:,} topics)")
        ours.prepare()
        if peer is not None and len(peer.addresses["topics"]) != len(ours.addresses["topics"]):
            log(
                f"   note: {len(ours.addresses['topics'])} topics here, {len(peer.addresses['topics'])} at the peer; "
                "the mix uses each site's own list"
            )
        ours_file = workdir / f"mixed-paths-ours-{config}.txt"
        ours_file.write_text("\n".join(sequence(ours.addresses, args)) + "\n")
        if peer is not None:
            peer_file = workdir / "mixed-paths-spirit.txt"
            peer_file.write_text("\n".join(sequence(peer.addresses, args, peer=True)) + "\n")
        sites = [ours] + ([peer] if peer is not None else [])
        paths = {"ours": ours_file} | ({"spirit": peer_file} if peer is not None else {})
        log(f"== {config}")
        if args.prime:
            results[config] = warm_runs(sites, paths, args)
            continue
        rows = []
        for rate in args.rates:
            row = {"rate": rate}
            for site in sites:
                row[site.name] = measure(site, rate, paths[site.name], args)
                report(site, rate, row[site.name], args)
            rows.append(row)
        results[config] = rows
    text = summary(results, args, started)
    name = (
        f"mixed-T{args.topics}{'-search' if args.with_search else ''}{'-warm' if args.prime else ''}-{stamp}"
    )
    (workdir / f"{name}.md").write_text(text)
    (workdir / f"{name}.json").write_text(
        json.dumps(
            {
                "args": vars(args) | {"workdir": str(workdir), "spirit_seeded": str(args.spirit_seeded)},
                "results": results,
            },
            indent=1,
            default=str,
        )
    )
    print()
    print(text)
    print(f"(written to {workdir / name}.md)")


if __name__ == "__main__":
    main()
