"""Load on the workbench: p50 and p95 latency of the dashboard and the grievance form with 50
concurrent users, on SQLite and on PostgreSQL, over loopback.

Each database gets a fresh workbench (migrate, regions, demo users, demo grievances) served by
``sejahtera serve`` (gunicorn) on a free port. 50 simulated users, each with its own session,
then loop for a fixed time: half are signed-in officers reading the dashboard, half anonymous
visitors opening the public grievance form (sending it is limited to 20 an hour per address by
design, so the form page is what is timed). PostgreSQL runs in a fresh database made for the run
and dropped after. The script prints one row per database and page.

    python benchmarks/workbench_load.py [--users 50] [--seconds 30] [--workers 4]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
POSTGRES = os.environ.get("SEJAHTERA_BENCH_POSTGRES", "postgres://127.0.0.1:5432/test")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [str(BIN / "sejahtera"), "manage", *args], env=env, check=True, capture_output=True,
        text=True,
    ).stdout  # fmt: skip


class Session:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as answer:
            return answer.read().decode()

    def post(self, path: str, fields: dict[str, str]) -> str:
        data = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(self.base + path, data=data)
        request.add_header("Referer", self.base + path)
        with self.opener.open(request, timeout=30) as answer:
            return answer.read().decode()

    def sign_in(self, username: str, password: str) -> None:
        token = TOKEN.search(self.get("/login/")).group(1)  # type: ignore[union-attr]
        self.post("/login/", {"csrfmiddlewaretoken": token, "username": username,
                              "password": password})  # fmt: skip


def run_users(base: str, users: int, seconds: float, password: str) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {"dashboard": [], "grievance form": []}
    lock = threading.Lock()
    errors: list[str] = []
    # Signing in hashes the password (PBKDF2, deliberately slow): done before the clock starts.
    officers = [Session(base) for _ in range(users // 2 + users % 2)]
    for session in officers:
        session.sign_in("demo-officer", password)
    stop = time.monotonic() + seconds
    queue = list(officers)

    def signed_in() -> None:
        with lock:
            session = queue.pop()
        while time.monotonic() < stop:
            start = time.perf_counter()
            page = session.get("/dashboard/")
            took = time.perf_counter() - start
            if "demo-officer" not in page:
                errors.append("dashboard without the user")
            with lock:
                timings["dashboard"].append(took)

    def public() -> None:
        session = Session(base)
        while time.monotonic() < stop:
            start = time.perf_counter()
            form = session.get("/grievances/new/")
            took = time.perf_counter() - start
            if not TOKEN.search(form):
                errors.append("grievance form without its CSRF token")
            with lock:
                timings["grievance form"].append(took)

    threads = [threading.Thread(target=signed_in if i % 2 == 0 else public) for i in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"wrong answers under load: {errors[:3]}")
    return timings


def one_database(name: str, url: str | None, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "SEJAHTERA_DATA": folder, "SEJAHTERA_SECRET_KEY": "b" * 50}
        if url:
            env["DATABASE_URL"] = url
        manage(env, "migrate", "--noinput")
        manage(env, "load_regions", "34")
        users = manage(env, "demo")
        password = next(line.split()[-1] for line in users.splitlines() if "demo-officer" in line)
        manage(env, "demo_grievances")
        port = free_port()
        server = subprocess.Popen(
            [str(BIN / "sejahtera"), "serve", "--port", str(port), "--workers", str(args.workers)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    Session(base).get("/")
                    break
                except OSError:
                    time.sleep(0.2)
            timings = run_users(base, args.users, args.seconds, password)
        finally:
            server.terminate()
            server.wait(10)
    for page, values in timings.items():
        values.sort()
        p50 = statistics.median(values) * 1000
        p95 = values[int(0.95 * (len(values) - 1))] * 1000
        print(f"{name:<11}{page:<16}{len(values):>9,}{p50:>10.0f}{p95:>10.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    print(f"{args.users} concurrent users for {args.seconds:g} s, gunicorn {args.workers} workers")
    print(f"{'database':<11}{'page':<16}{'requests':>9}{'p50 ms':>10}{'p95 ms':>10}")
    one_database("SQLite", None, args)
    try:
        import psycopg

        psycopg.connect(POSTGRES, connect_timeout=3).close()  # reachable?
    except Exception as exc:  # any reason PostgreSQL is not there
        print(f"PostgreSQL not reachable at {POSTGRES}: {exc}")
        return
    import psycopg

    scratch = f"sejahtera_bench_{os.getpid()}"
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {scratch}")
    try:
        one_database("PostgreSQL", POSTGRES.rsplit("/", 1)[0] + "/" + scratch, args)
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")


if __name__ == "__main__":
    main()
