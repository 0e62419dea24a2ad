"""Benchmark of the report intake path: the real server on PostgreSQL, concurrent HTTP clients, the full path.

Targets (2 cores): the synchronous report (POST /api/v1/cases) ≥ 400 reports/s; the store-first batch door
(POST /api/v1/intake/batches) ≥ 1,000 reports/s acknowledged.

    .venv/bin/python bench/intake.py [--db URL] [--duration 20] [--connections 16] [--workers N] [--threads N]

What runs, in one go:
1. The database (default `cityops_bench_intake`): created, migrated and seeded when it has no cases yet (the
   reference city of 2,500 grids and 300 k historical cases + 10 k open: `cityops demo`, `cityops seed-cases`;
   about 5 minutes); migrated otherwise. A reporting user (city-wide acceptor) and an API token are made.
2. The raw durable write ceiling of this machine, now: psycopg, 16 client threads, one case-shaped row and one
   event row per committed transaction, for the same duration. Every rate below is also given as its ratio.
3. The server, exactly as deployed: `cityops serve` (gunicorn, its defaults unless --workers/--threads), timed from
   start to its first answer.
4. `wrk` (Debian's, C and LuaJIT: it uses far less CPU than the server; its share is printed) with a generated
   Lua script: every request a unique Idempotency-Key, a point drawn from 4,000 random points inside the city
   (new ones each run), one of 20 classes. Reports/s and p50/p95/p99 over --duration seconds, after a short warm-up.
5. The batch door the same way (batches of --batch-size reports), then `cityops worker --only intake.inbox`
   draining what was stored: cases/s.
6. Verification: every acknowledged report is exactly one case (by its idempotency key), nothing lost.

Needs `wrk` (apt-get install wrk) and PostgreSQL. Results go to docs/benchmarks.md by hand, with the load average
printed here (the machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import benchlib

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/cityops_bench_intake"
TARGET_SYNC = 400.0
TARGET_BATCH = 1000.0
POINTS = 4000
CLASSES = 20


def main() -> None:
    args = _parse_args()
    if not _which("wrk"):
        print("wrk is not installed (apt-get install wrk): intake benchmark skipped")
        return
    _ensure_database(args.db, seed_count=args.seed_count)
    benchlib.setup_django(args.db)
    from cityops.cases.models import Case

    run = f"b{int(time.time())}"
    token, points, classes = prepare_run()
    print(f"machine: {benchlib.machine()}")
    print(f"database: {benchlib.database_size()}; run {run}")
    raw = raw_ceiling(args.db, clients=args.raw_clients, seconds=args.duration)
    print(f"raw durable write ceiling (psycopg, {args.raw_clients} clients, case row + event row per commit): "
          f"{raw:,.0f} transactions/s")

    with tempfile.TemporaryDirectory(prefix="cityops-bench-intake-") as tmp:
        work = Path(tmp)
        server, base, first_answer = _start_server(args, work)
        try:
            print(f"server: cityops serve --workers {args.workers or 'default'} --threads {args.threads}"
                  f"{' from ' + args.server_src if args.server_src else ''}; first answer "
                  f"{first_answer:.1f} s after start")
            warm_lua, sync_lua = work / "warm.lua", work / "sync.lua"
            warm_lua.write_text(_sync_script(token, points, classes, f"{run}-w"))
            sync_lua.write_text(_sync_script(token, points, classes, f"{run}-s"))
            _wrk(base, warm_lua, connections=args.connections, seconds=3)  # warm-up: every worker's copies
            server_cpu0 = _tree_cpu(server.pid)
            sync = _wrk(base, sync_lua, connections=args.connections, seconds=args.duration)
            sync["server_cpu"] = _tree_cpu(server.pid) - server_cpu0
            _report("POST /api/v1/cases (synchronous)", sync, raw, TARGET_SYNC, per_request=1,
                    seconds=args.duration)
            made = Case.objects.filter(idempotency_key__startswith=f"{run}-s-").count()
            acknowledged = sync["ok"]
            print(f"  verified: {acknowledged:,} acknowledged (201) in the measured run; {made:,} cases with its "
                  f"keys (the difference: requests in flight when wrk stopped, answered after); "
                  f"{_duplicate_keys(f'{run}-s-')} keys with more than one case")
            if not args.skip_batch:
                _batch(args, base, work, token, points, classes, f"{run}-b", raw)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
    print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


def _batch(args, base, work, token, points, classes, prefix, raw) -> None:
    from cityops.cases.models import Case
    from cityops.intake.models import InboxReport, InboxState

    lua = work / "batch.lua"
    lua.write_text(_batch_script(token, points, classes, prefix, args.batch_size))
    connections = args.batch_connections
    result = _wrk(base, lua, connections=connections, seconds=args.batch_duration)
    _report(f"POST /api/v1/intake/batches ({args.batch_size} reports a batch, acknowledged)", result, raw,
            TARGET_BATCH, per_request=args.batch_size, seconds=args.batch_duration)
    time.sleep(3)  # batches in flight when wrk stopped are still answered and stored
    stored = InboxReport.objects.filter(idempotency_key__startswith=prefix).count()
    acknowledged = result["ok"] * args.batch_size
    print(f"  stored: {stored:,} items ({acknowledged:,} acknowledged in 202 answers; the rest were in flight)")
    worker = subprocess.Popen([str(BIN / "cityops"), "worker", "--only", "intake.inbox", "--interval", "0.2"],
                              env=_server_env(args.db, work), cwd=work, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    waiting = InboxReport.objects.filter(idempotency_key__startswith=prefix,
                                         state__in=[InboxState.PENDING, InboxState.PROCESSING])
    started, first_done = time.monotonic(), None
    try:
        while True:
            left = waiting.count()
            if first_done is None and left < stored:
                first_done = time.monotonic()
            if left == 0:
                break
            if time.monotonic() - started > 1800:
                raise SystemExit(f"the worker did not drain the inbox in 30 minutes ({left} left)")
            time.sleep(0.5)
        elapsed = time.monotonic() - (first_done or started)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=120)
    items = InboxReport.objects.filter(idempotency_key__startswith=prefix)
    done = items.filter(state=InboxState.DONE, case__isnull=False).count()
    failed = items.filter(state=InboxState.FAILED).count()
    distinct_cases = items.exclude(case=None).values("case").distinct().count()
    cases = Case.objects.filter(idempotency_key__startswith=prefix).count()
    print(f"worker drain (cityops worker --only intake.inbox): {stored:,} items in {elapsed:.1f} s = "
          f"{stored / elapsed:,.0f} cases/s (ratio to raw {stored / elapsed / raw:.3f})")
    print(f"  verified: {done:,} items done, {failed:,} failed, {distinct_cases:,} distinct cases, {cases:,} cases "
          f"with the run's keys, {_duplicate_keys(prefix)} keys with more than one case -> "
          f"{'NOTHING LOST' if done == stored == distinct_cases == cases else 'MISMATCH'}")


# --- the database ----------------------------------------------------------------------------------------------


def _ensure_database(url: str, *, seed_count: int) -> None:
    import psycopg

    base, _slash, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "true"}
    subprocess.run([str(BIN / "cityops"), "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    with psycopg.connect(url) as conn:
        cases = conn.execute("SELECT count(*) FROM (SELECT 1 FROM cases_case LIMIT 1) AS any_case").fetchone()[0]
        grids = conn.execute("SELECT count(*) FROM geo_region").fetchone()[0]
    if not grids:
        print("seeding the reference city (2,500 grids)…", flush=True)
        subprocess.run([str(BIN / "cityops"), "demo", "--grids", "2500", "--cases", "0", "--no-serve"], env=env,
                       check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    if not cases and seed_count:
        print(f"seeding {seed_count:,} historical cases (a few minutes)…", flush=True)
        subprocess.run([str(BIN / "cityops"), "seed-cases", "--count", str(seed_count), "--open", "10000",
                        "--days", "365", "--defer-indexes"], env=env, check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)


def prepare_run() -> tuple[str, list[tuple[float, float]], list[str]]:
    """The reporting token, points inside the city (each located), and current classes."""
    import hashlib

    from cityops.catalog.selectors import classes_for_report
    from cityops.geo.locate import locate
    from cityops.geo.models import Level, Region
    from cityops.org.models import ApiToken, Role, RoleAssignment, User

    city = Region.objects.get(level=Level.CITY)
    user, _created = User.objects.get_or_create(username="bench_intake", defaults={"scope_region": city})
    RoleAssignment.objects.get_or_create(user=user, role=Role.ACCEPTOR)
    prefix = secrets.token_hex(4)
    plaintext = f"{prefix}.{secrets.token_urlsafe(24)}"
    ApiToken.objects.create(user=user, name="bench intake", prefix=prefix, scopes=["cases:write", "cases:read"],
                            key_hash=hashlib.sha256(plaintext.encode()).hexdigest())
    # Points of this run only: the runs' reports stay open, and points reused run after run would make every new
    # report a duplicate of dozens of earlier ones (the duplicate search would be measured, not the intake).
    rng = random.Random()
    grids = list(Region.objects.filter(level=Level.GRID).values_list("min_lon", "min_lat", "max_lon", "max_lat"))
    points: list[tuple[float, float]] = []
    while len(points) < POINTS:
        west, south, east, north = rng.choice(grids)
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        if locate(lon, lat) is not None:
            points.append((round(lon, 6), round(lat, 6)))
    classes = [f"{c.kind}:{c.code}" for c in classes_for_report()[:CLASSES]]
    return f"Bearer {plaintext}", points, classes


def _duplicate_keys(prefix: str) -> int:
    from django.db.models import Count

    from cityops.cases.models import Case

    return (Case.objects.filter(idempotency_key__startswith=prefix).values("reporter", "idempotency_key")
            .annotate(n=Count("id")).filter(n__gt=1).count())


# --- the raw ceiling -------------------------------------------------------------------------------------------

RAW_TABLES = """
CREATE TABLE IF NOT EXISTS bench_raw_case (
    id bigserial PRIMARY KEY, number varchar(20) NOT NULL, kind varchar(10) NOT NULL, catalog_class_id bigint,
    urgency_id bigint, description text NOT NULL, lon double precision, lat double precision,
    region_path varchar(100), h3_cell bigint, source varchar(12), state varchar(12), reporter_id bigint,
    idempotency_key varchar(80), reported_at timestamptz, updated_at timestamptz, due_at timestamptz,
    version integer NOT NULL DEFAULT 1, UNIQUE (reporter_id, idempotency_key));
CREATE INDEX IF NOT EXISTS bench_raw_case_reported ON bench_raw_case (reported_at);
CREATE TABLE IF NOT EXISTS bench_raw_event (
    id bigserial PRIMARY KEY, case_id bigint NOT NULL REFERENCES bench_raw_case (id), at timestamptz NOT NULL,
    action varchar(40) NOT NULL, from_state varchar(12), to_state varchar(12), data jsonb NOT NULL);
CREATE INDEX IF NOT EXISTS bench_raw_event_case ON bench_raw_event (case_id);
TRUNCATE bench_raw_event, bench_raw_case;
"""


def raw_ceiling(url: str, *, clients: int, seconds: float) -> float:
    """Committed transactions per second, each one case-shaped row and one event row (psycopg, `clients` threads)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(RAW_TABLES)
    counts = [0] * clients
    stop = threading.Event()

    def client(index: int) -> None:
        with psycopg.connect(url) as conn:
            n = 0
            while not stop.is_set():
                n += 1
                with conn.transaction():
                    case_id = conn.execute(
                        "INSERT INTO bench_raw_case (number, kind, catalog_class_id, urgency_id, description, lon, "
                        "lat, region_path, h3_cell, source, state, reporter_id, idempotency_key, reported_at, "
                        "updated_at, due_at) VALUES (%s, 'matter', 1, 1, %s, 104.0, 30.0, '/510100/510104/', "
                        "622236750694711295, 'webhook', 'reported', 1, %s, now(), now(), now()) RETURNING id",
                        [f"{index:03d}{n:012d}", "bench raw write", f"raw-{index}-{n}"],
                    ).fetchone()[0]
                    conn.execute("INSERT INTO bench_raw_event (case_id, at, action, from_state, to_state, data) "
                                 "VALUES (%s, now(), 'case.reported', '', 'reported', %s)",
                                 [case_id, json.dumps({"source": "webhook", "class": "06010"})])
                counts[index] = n

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE bench_raw_event, bench_raw_case")
    return sum(counts) / elapsed


# --- the server and the load ---------------------------------------------------------------------------------


def _server_env(url: str, work: Path, source: str = "") -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50),
           "CITYOPS_VAR_DIR": str(work / "var"), "PYTHONUNBUFFERED": "1"}
    if source:  # another checkout's src/ (e.g. an older commit, for a before/after under the same load)
        env["PYTHONPATH"] = source
    return env


def _start_server(args, work: Path) -> tuple[subprocess.Popen, str, float]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = [str(BIN / "cityops"), "serve", "--port", str(port)]
    if args.threads > 1:
        argv += ["--threads", str(args.threads)]
    if args.workers:
        argv += ["--workers", str(args.workers)]
    log = (work / "server.log").open("w")
    started = time.monotonic()
    server = subprocess.Popen(argv, env=_server_env(args.db, work, args.server_src), cwd=work, stdout=log,
                              stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    while True:
        if server.poll() is not None:
            raise SystemExit(f"the server exited: {(work / 'server.log').read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as answer:
                answer.read()
            break
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    return server, base, time.monotonic() - started


def _wrk(base: str, script: Path, *, connections: int, seconds: int) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", str(script),
                           base], capture_output=True, text=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no result: {done.stdout}\n{done.stderr}")
    result = json.loads(line.removeprefix("RESULT "))
    result["client_cpu"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    errors = sum(result[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    result["ok"] = result["requests"] - result["status_errors"] - errors
    return result


def _tree_cpu(pid: int) -> float:
    """CPU seconds used so far by the process `pid` and its children (gunicorn's master and workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:  # fields[1] is the parent pid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _report(name: str, result: dict, raw: float, target: float, *, per_request: int, seconds: float) -> None:
    duration = result["duration_us"] / 1e6
    rate = result["ok"] * per_request / duration
    cores = os.cpu_count() or 1
    print(f"{name}: {rate:,.0f} reports/s ({result['ok']:,} answers in {duration:.1f} s, "
          f"{result['status_errors']} non-2xx, {result['timeouts']} timeouts); latency p50 {result['p50'] / 1000:.0f} ms"
          f" p95 {result['p95'] / 1000:.0f} ms p99 {result['p99'] / 1000:.0f} ms max {result['max'] / 1000:.0f} ms; "
          f"ratio to raw {rate / raw:.3f}; target ≥ {target:,.0f}/s: {'MET' if rate >= target else 'MISSED'}")
    server_cpu = result.get("server_cpu")
    share = f"server (gunicorn) {server_cpu / seconds / cores:.0%} of the cores, " if server_cpu else ""
    print(f"  CPU: {share}client (wrk) {result['client_cpu'] / seconds / cores:.0%} of the cores")


LUA_COMMON = """
local points = {%(points)s}
local classes = {%(classes)s}
local token = "%(token)s"
local run = "%(run)s"
local counter = 0
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
local function report(n)
  local p = points[(n * 7919 + tid * 104729) %% #points + 1]
  return string.format('{"class":"%%s","description":"bench report %%d","lon":%%.6f,"lat":%%.6f,'
    .. '"source":"video_ai","idempotency_key":"%%s-%%d-%%d"}', classes[(math.floor(n / 3) + tid) %% #classes + 1], n, p[1], p[2],
    run, tid, n)
end
function done(summary, latency, requests)
  io.write(string.format('RESULT {"requests":%%d,"duration_us":%%d,"connect_errors":%%d,"read_errors":%%d,'
    .. '"write_errors":%%d,"status_errors":%%d,"timeouts":%%d,"p50":%%d,"p95":%%d,"p99":%%d,"max":%%d}\\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max))
end
"""

LUA_SYNC = """
function request()
  counter = counter + 1
  return wrk.format("POST", "/api/v1/cases", {["Content-Type"] = "application/json", ["Authorization"] = token,
    ["Idempotency-Key"] = run .. "-" .. tid .. "-" .. counter}, report(counter))
end
"""

LUA_BATCH = """
local size = %(size)d
function request()
  local items = {}
  for i = 1, size do
    counter = counter + 1
    items[i] = report(counter)
  end
  return wrk.format("POST", "/api/v1/intake/batches", {["Content-Type"] = "application/json",
    ["Authorization"] = token}, '{"reports":[' .. table.concat(items, ",") .. ']}')
end
"""


def _lua_common(token: str, points: list[tuple[float, float]], classes: list[str], run: str) -> str:
    return LUA_COMMON % {
        "points": ",".join(f"{{{lon},{lat}}}" for lon, lat in points),
        "classes": ",".join(f'"{c}"' for c in classes), "token": token, "run": run,
    }


def _sync_script(token: str, points: list, classes: list, run: str) -> str:
    return _lua_common(token, points, classes, run) + LUA_SYNC


def _batch_script(token: str, points: list, classes: list, run: str, size: int) -> str:
    return _lua_common(token, points, classes, run) + LUA_BATCH % {"size": size}


def _which(name: str) -> bool:
    from shutil import which

    return which(name) is not None


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=os.environ.get("BENCH_INTAKE_DATABASE_URL") or DEFAULT_DB)
    parser.add_argument("--duration", type=int, default=20, help="Seconds of each measured run.")
    parser.add_argument("--connections", type=int, default=16, help="Concurrent HTTP connections (synchronous).")
    parser.add_argument("--batch-connections", type=int, default=4, help="Concurrent connections posting batches.")
    parser.add_argument("--batch-size", type=int, default=200, help="Reports per batch.")
    parser.add_argument("--batch-duration", type=int, default=5,
                        help="Seconds of posting batches (what they store is then drained by the worker).")
    parser.add_argument("--workers", type=int, default=0, help="Server workers (default: cityops serve's).")
    parser.add_argument("--threads", type=int, default=1, help="Threads per server worker.")
    parser.add_argument("--raw-clients", type=int, default=16)
    parser.add_argument("--seed-count", type=int, default=300_000, help="Historical cases when seeding.")
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--server-src", default="",
                        help="Serve from another checkout's src/ directory (a before/after under the same load).")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
