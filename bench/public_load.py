"""Load test of the public site (一公开) against a production-like setup (not a test).

    scripts/with-postgres.sh .venv/bin/python bench/public_load.py                 # quick check
    scripts/with-postgres.sh .venv/bin/python bench/public_load.py \\
        --entities 1000000 --results 100000 --duration 30                          # the real run

1. builds the data on the (throwaway) database of DATABASE_URL with bench/public_data.py;
2. collects static files (whitenoise, manifest storage as in production) into a temporary
   SUIJI_VAR_DIR, so nothing under var/ of the working tree is touched;
3. renders one URL of every scenario in-process first and records its SQL (query count, time,
   EXPLAIN ANALYZE of the slowest queries) — the "why" behind any slow page;
4. for every gunicorn configuration (--configs), starts gunicorn with config.wsgi and
   bench.settings_public (production settings, DEBUG off) on 127.0.0.1 only, and runs every
   scenario with wrk (bench/public_wrk.lua): a warm-up that is thrown away, then a measured run
   of --duration seconds, printing `uptime` before and after;
5. prints one JSON line per step and a Markdown table, and writes both to --out.

Scenarios (each request takes a different random key):
  search_uscc     /public/search/?q=<USCC>: entities with results, random entities and 10 %
                  well-formed USCCs that do not exist (302 to the entity page; 200 list on a miss)
  entity          /public/entities/<USCC>/ of entities with published results (200)
  results_p1      /public/tasks/<pk>/results/ of the largest task, page 1 (200)
  results_deep    the same task's last page (200)
  results_tasks   page 1 of the result notice of a random task (200)
  search_name     /public/search/?q=<name>: full names and common 4-character fragments (200)
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WRK = "/usr/bin/wrk"
LUA = ROOT / "bench" / "public_wrk.lua"

SCENARIOS: dict[str, dict[str, Any]] = {
    "search_uscc": {
        "template": "/public/search/?q={key}",
        "files": ["uscc_hit.txt@5", "uscc_plain.txt@4", "uscc_miss.txt@1"],
        "expect": {302, 200},
        "label": "USCC search (302 redirect; 10 % misses → 200 list)",
    },
    "entity": {
        "template": "/public/entities/{key}/",
        "files": ["uscc_hit.txt"],
        "expect": {200},
        "label": "entity page (entities with published results)",
    },
    "results_p1": {
        "template": "/public/tasks/{key}/results/?page=1",
        "files": ["task_big.txt"],
        "expect": {200},
        "label": "result notice, largest task, page 1",
    },
    "results_deep": {
        "template": "/public/tasks/{key}/results/?page={deep}",
        "files": ["task_big.txt"],
        "expect": {200},
        "label": "result notice, largest task, last page",
    },
    "results_tasks": {
        "template": "/public/tasks/{key}/results/",
        "files": ["tasks.txt"],
        "expect": {200},
        "label": "result notice page 1, random task",
    },
    "search_name": {
        "template": "/public/search/?q={key}",
        "files": ["names.txt"],
        "expect": {200},
        "label": "name search (full names, 4-character fragments)",
    },
}


def emit(fh: Any, **kw: Any) -> None:
    kw.setdefault("load", [round(x, 2) for x in os.getloadavg()])
    line = json.dumps(kw, ensure_ascii=False, default=str)
    print(line, flush=True)
    fh.write(line + "\n")
    fh.flush()


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def fetch_status(url: str) -> int:
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def first_key(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("\n", 1)[0]


def scenario_url(name: str, keys: Path, deep: int) -> str:
    spec = SCENARIOS[name]
    first_file = keys / spec["files"][0].split("@")[0]
    return spec["template"].replace("{deep}", str(deep)).replace("{key}", first_key(first_file))


def explain_pages(fh: Any, keys: Path, deep: int, out: Path) -> None:
    """Render one URL per scenario in-process; record its queries and EXPLAIN ANALYZE the
    slowest ones (written to out/explain.txt)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    report = []
    for name in SCENARIOS:
        url = scenario_url(name, keys, deep)
        client.get(url)  # warm caches (templates, plans)
        with CaptureQueriesContext(connection) as ctx:
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(url)
            ms = (time.perf_counter() - t0) * 1000
            # CPU of this process only (Django + template; PostgreSQL's share is the SQL time):
            # the figure that does not depend on how loaded the shared machine is
            cpu_ms = (time.process_time() - c0) * 1000
        queries = [(float(q["time"]) * 1000, q["sql"]) for q in ctx.captured_queries]
        emit(
            fh,
            step="page_sql",
            scenario=name,
            url=url,
            status=response.status_code,
            page_ms=round(ms, 1),
            cpu_ms=round(cpu_ms, 1),
            queries=len(queries),
            sql_ms=round(sum(t for t, _ in queries), 1),
            slowest_ms=[round(t, 1) for t, _ in sorted(queries, reverse=True)[:3]],
        )
        report.append(f"## {name} {url} → {response.status_code}, {len(queries)} queries\n")
        for t, sql in sorted(queries, reverse=True)[:2]:
            if connection.vendor != "postgresql" or not sql.lstrip().upper().startswith("SELECT"):
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            report.append(f"-- {t:.1f} ms\n{sql}\n{plan}\n")
    (out / "explain.txt").write_text("\n".join(report), encoding="utf-8")


def start_gunicorn(config: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    kind, _, size = config.partition(":")
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(ROOT),
        "--error-logfile",
        str(log),
        "--log-level",
        "warning",
    ]
    if kind == "sync":
        command += ["--workers", size, "--worker-class", "sync"]
    elif kind == "gthread":
        workers, _, threads = size.partition("x")
        command += ["--workers", workers, "--worker-class", "gthread", "--threads", threads]
    else:
        raise SystemExit(f"unknown gunicorn configuration {config!r} (sync:N or gthread:WxT)")
    process = subprocess.Popen(command, env=env, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited ({process.returncode}); see {log}")
        try:
            if fetch_status(f"http://127.0.0.1:{port}/public/") == 200:
                return process
        except OSError:
            pass
        time.sleep(0.5)
    stop(process)
    raise SystemExit(f"gunicorn did not answer /public/ within 60 s; see {log}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run_wrk(
    base: str, name: str, keys: Path, deep: int, seconds: int, connections: int
) -> dict[str, Any]:
    spec = SCENARIOS[name]
    template = spec["template"].replace("{deep}", str(deep))
    command = [
        WRK,
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        base,
        "--",
        template,
        *[str(keys / f) for f in spec["files"]],
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    for line in done.stdout.splitlines():
        if line.startswith("WRKJSON "):
            return dict(json.loads(line[len("WRKJSON ") :]))
    raise RuntimeError(f"wrk printed no result: {done.stdout}\n{done.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, default=20_000)
    parser.add_argument("--results", type=int, default=2_000)
    parser.add_argument("--duration", type=int, default=5, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=None, help="seconds (default: 10, or 2)")
    parser.add_argument("--connections", default="32", help="comma list, e.g. 16,64")
    parser.add_argument(
        "--uscc-connections", default="16,32,64", help="connections for search_uscc (the aim)"
    )
    parser.add_argument("--configs", default="sync:2,sync:4,gthread:2x4")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    warmup = args.warmup if args.warmup is not None else (10 if args.duration >= 30 else 2)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("run under scripts/with-postgres.sh (a throwaway PostgreSQL 15 cluster)")
    if not Path(WRK).exists():
        raise SystemExit("wrk is missing (apt-get install wrk)")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = args.out or ROOT / "var" / "pubbench" / f"{stamp}-{args.entities}-{args.results}"
    out.mkdir(parents=True, exist_ok=True)
    keys = out / "keys"
    var_dir = Path(tempfile.mkdtemp(prefix="suiji-pubbench-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings_public",
        SUIJI_VAR_DIR=str(var_dir),
        SUIJI_SECRET_KEY=secrets.token_urlsafe(48),
        PYTHONDONTWRITEBYTECODE="1",
    )
    sys.path.insert(0, str(ROOT))
    fh = (out / "results.jsonl").open("w", encoding="utf-8")
    try:
        emit(fh, step="start", uptime=uptime(), cpus=os.cpu_count(), args=vars(args))
        from bench import public_data  # sets Django up with bench.settings_public

        figures = public_data.generate(
            entities=args.entities, results=args.results, seed=args.seed, out=keys
        )
        emit(fh, step="data", **figures)
        big = figures["largest_task"]
        (keys / "task_big.txt").write_text(f"{big['pk']}\n", encoding="utf-8")
        deep = big["pages"]

        from django.core.management import call_command
        from django.db import connection

        t0 = time.perf_counter()
        call_command("collectstatic", interactive=False, verbosity=0)
        emit(fh, step="collectstatic", seconds=round(time.perf_counter() - t0, 1))
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            pg_version = cursor.fetchone()[0]
            cursor.execute(
                "SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers', "
                "'work_mem', 'effective_cache_size', 'random_page_cost', 'max_connections', "
                "'fsync', 'synchronous_commit', 'jit')"
            )
            pg_settings = {n: f"{s}{u or ''}" for n, s, u in cursor.fetchall()}
        emit(fh, step="postgres", version=pg_version, settings=pg_settings)
        scenarios = [s for s in args.scenarios.split(",") if s]
        explain_pages(fh, keys, deep, out)
        connection.close()

        env = dict(os.environ)
        rows = []
        for config in [c for c in args.configs.split(",") if c]:
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            process = start_gunicorn(config, port, env, out / f"gunicorn-{config}.log")
            try:
                for name in scenarios:
                    url = base + scenario_url(name, keys, deep)
                    status = fetch_status(url)
                    if status not in SCENARIOS[name]["expect"]:
                        emit(fh, step="check", scenario=name, url=url, status=status, ok=False)
                        raise SystemExit(f"{url} answered {status}")
                    levels = args.uscc_connections if name == "search_uscc" else args.connections
                    for connections in [int(c) for c in levels.split(",")]:
                        run_wrk(base, name, keys, deep, warmup, connections)
                        before = uptime()
                        result = run_wrk(base, name, keys, deep, args.duration, connections)
                        after = uptime()
                        bad = {
                            k: v
                            for k, v in result["status"].items()
                            if int(k) not in SCENARIOS[name]["expect"]
                        }
                        errors = sum(bad.values()) + sum(result["socket_errors"].values())
                        row = {
                            "config": config,
                            "scenario": name,
                            "connections": connections,
                            **result,
                            "unexpected_status": bad,
                            "errors": errors,
                            "uptime_before": before,
                            "uptime_after": after,
                        }
                        emit(fh, step="wrk", **row)
                        rows.append(row)
            finally:
                stop(process)
        table = [
            "| gunicorn | scenario | -c | req/s | p50 ms | p95 ms | p99 ms | errors | statuses |",
            "|---|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for r in rows:
            statuses = ", ".join(f"{k}: {v}" for k, v in sorted(r["status"].items()))
            table.append(
                f"| {r['config']} | {r['scenario']} | {r['connections']} | {r['rps']:.0f} | "
                f"{r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} | "
                f"{statuses} |"
            )
        (out / "summary.md").write_text("\n".join(table) + "\n", encoding="utf-8")
        print("\n".join(table))
        emit(fh, step="end", uptime=uptime(), out=str(out))
    finally:
        fh.close()
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
