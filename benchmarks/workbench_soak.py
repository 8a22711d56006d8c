"""Soak run of the workbench: 50 users of every role for 10 minutes on PostgreSQL, with
p50/p95/p99 latency per page and the memory of every process over time.

A fresh PostgreSQL database is made for the run (and dropped after) and filled as ``make run``
fills the demo: migrate, the DI Yogyakarta regions, the synthetic dataset (``sejahtera synth
--region 34 --households 100000 --seed 1``, made once in ``var/bench/``) registered, and every
``demo*`` command. It is served by ``sejahtera serve`` (gunicorn, its default workers) with
``sejahtera manage worker`` beside it, as ``make run`` does.

Every user has its own session (or its own API token) and, after each action, thinks for a
random 0.5 to 2 s (seeded). The mix, of 50 users: 5 heads (signed in with a backup code as the
second factor: the dashboard, decisions, needs, scenarios), 12 analysts (needs explorer,
scenarios, programmes, beneficiary list pages, consultations, and editing a consultation), 15
officers (grievances, Monev, stakeholders, and typing in a grievance then assigning it with a
note), 13 members of the public (the grievance form, tracking lookups, and sending a grievance,
at most 15 in the run: the limit is 20 an hour per address) and 5 API clients (Bearer token:
programmes, grievances, indicators). An error is any answer that is not 2xx or 3xx (other than
a 409 for two people editing the same consultation at once, counted apart), a signed-in user
sent to the sign-in page, or a failed connection; any error makes the exit status 1.

Every 10 s the resident memory (RSS) of the gunicorn master and workers, the job worker and the
database's PostgreSQL backends is sampled from /proc, with the load average (other work on
the machine shows there).

    python benchmarks/workbench_soak.py [--users 50] [--seconds 600] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workbench_load import BIN, POSTGRES, Session, free_port, manage

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT / "var" / "bench" / "soak-diy-100000"
THINK = (0.5, 2.0)  # seconds between one user's actions, uniform
SHARES = {"head": 0.10, "analyst": 0.24, "officer": 0.30, "public": 0.26, "api": 0.10}
BACKUP_CODES = 10  # what ``manage demo`` gives the head: one per head session
NEEDS = [f"indicator={i}&level={lv}" for i in ("fgt0", "fgt1", "gini") for lv in ("regency",
         "district", "village")]  # fmt: skip
PUBLIC_SENDS = 15  # grievances sent through the public form in a run (20 an hour per address)


# The client -----------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: str
    path: str  # where it ended, after redirects


class Client(Session):
    """A browser session (cookies, CSRF referer) or an API client (a Bearer token)."""

    def __init__(self, base: str, token: str = "") -> None:
        super().__init__(base)
        self.token = token

    def fetch(self, path: str, fields: dict[str, str] | None = None) -> Answer:
        data = urllib.parse.urlencode(fields).encode() if fields is not None else None
        request = urllib.request.Request(self.base + path, data=data)
        if fields is not None:
            request.add_header("Referer", self.base + path)
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with self.opener.open(request, timeout=60) as answer:
                body, status, url = answer.read().decode(), answer.status, answer.geturl()
        except urllib.error.HTTPError as refused:
            body, status, url = refused.read().decode(errors="replace"), refused.code, refused.url
        return Answer(status, body, urllib.parse.urlsplit(url).path)


class Forms(HTMLParser):
    """The forms of a page, each with the values it would send as it stands."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self.choices: dict[str, list[str]] = {}
        self._select = self._textarea = ""
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({})
        if not self.forms or tag not in ("input", "select", "option", "textarea"):
            return
        fields, name = self.forms[-1], a.get("name", "")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                fields[name] = a.get("value", "on" if a.get("type") == "checkbox" else "")
        elif tag == "select":
            self._select = name
            self.choices[name] = []
        elif tag == "option" and self._select:
            self.choices[self._select].append(a.get("value", ""))
            if "selected" in a or len(self.choices[self._select]) == 1:
                fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea, fields[name] = name, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = ""
        elif tag == "textarea":
            self._textarea = ""

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1][self._textarea] += data

    def holding(self, name: str) -> dict[str, str]:
        """The first form with a field ``name``."""
        return next(form for form in self.forms if name in form)

    def some(self, name: str) -> str:
        """A real choice of the select ``name`` (the first that is not empty)."""
        return next(value for value in self.choices[name] if value)


# What is measured -----------------------------------------------------------------------------


@dataclass
class Record:
    timings: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    conflicts: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, name: str, why: str) -> None:
        with self.lock:
            self.errors[name] = self.errors.get(name, 0) + 1
            if len(self.examples) < 10:
                self.examples.append(f"{name}: {why}")

    def timed(self, name: str, call: Callable[[], Answer], signed_in: bool) -> Answer | None:
        start = time.perf_counter()
        try:
            answer = call()
        except Exception as failed:  # a dropped connection, a timeout: an error like a 500
            self.error(name, repr(failed))
            return None
        took = time.perf_counter() - start
        with self.lock:
            self.timings.setdefault(name, []).append(took)
        if answer.status == 409 and name.startswith("consultation edit"):
            with self.lock:  # two analysts saved the same consultation: refused by design
                self.conflicts[name] = self.conflicts.get(name, 0) + 1
        elif answer.status >= 400:
            self.error(name, f"HTTP {answer.status} at {answer.path}")
        elif signed_in and answer.path.startswith("/login/"):
            self.error(name, f"sent to sign in ({answer.path})")
        else:
            return answer
        return None


@dataclass
class Catalogue:
    """The demo's records the users open, found on its pages before the clock starts."""

    decisions: list[str]
    scenarios: list[str]
    programmes: list[str]
    cycles: list[tuple[str, int]]  # (key, pages of its beneficiary list)
    grievances: list[str]
    codes: list[str]  # tracking codes
    monev: list[str]
    organisations: list[str]
    consultations: list[str]
    needs: list[str] = field(default_factory=lambda: list(NEEDS))


@dataclass
class User:
    role: str
    client: Client
    rng: random.Random
    record: Record
    catalogue: Catalogue
    run: Run

    def get(self, name: str, path: str) -> Answer | None:
        signed = self.role not in ("public", "api")
        return self.record.timed(name, lambda: self.client.fetch(path), signed)

    def post(self, name: str, path: str, fields: dict[str, str]) -> Answer | None:
        signed = self.role not in ("public", "api")
        return self.record.timed(name, lambda: self.client.fetch(path, fields), signed)

    def pick(self, values: list[str]) -> str:
        return self.rng.choice(values)


@dataclass
class Run:
    seconds: float
    start: float = 0.0
    sent: int = 0  # public grievances sent so far
    lock: threading.Lock = field(default_factory=threading.Lock)

    def may_send(self) -> bool:
        """Whether one more public grievance fits: the run's allowance, spread over its time."""
        with self.lock:
            due = PUBLIC_SENDS * (time.monotonic() - self.start) / self.seconds
            if self.sent >= min(PUBLIC_SENDS, due + 1):
                return False
            self.sent += 1
            return True


# The users' actions ---------------------------------------------------------------------------

Action = Callable[[User], None]


def visit(name: str, path: str) -> Action:
    """Open ``path``, each ``{field}`` in it a record of ``Catalogue.field`` picked at random."""

    def act(user: User) -> None:
        user.get(name, re.sub(r"{(\w+)}", lambda m: user.pick(getattr(user.catalogue, m[1])), path))

    return act


def beneficiary_page(user: User) -> None:
    cycle, pages = user.rng.choice(user.catalogue.cycles)
    user.get(
        "beneficiary list page", f"/programmes/cycles/{cycle}/?page={user.rng.randint(1, pages)}"
    )


def edit_consultation(user: User) -> None:
    path = f"/consultations/{user.pick(user.catalogue.consultations)}/edit/"
    page = user.get("consultation edit form", path)
    if page is None:
        return
    fields = Forms(page.body).holding("summary")
    summary = re.sub(r"\s*\[soak \d+\]$", "", fields["summary"].strip())
    fields["summary"] = f"{summary} [soak {user.rng.randint(1, 999)}]"
    user.post("consultation edit (POST)", path, fields)


def enter_grievance(user: User) -> None:
    """An officer types in a complaint taken by phone, then assigns it with an internal note."""
    page = user.get("grievance entry form", "/grievances/entry/")
    if page is None:
        return
    forms = Forms(page.body)
    fields = forms.holding("description")
    fields.update(channel=forms.some("channel"), category=forms.some("category"),
                  region=forms.some("region"), name="Uji Contoh", nik="", phone="",
                  description="Bantuan belum diterima sejak bulan lalu (uji beban).")  # fmt: skip
    saved = user.post("grievance entry (POST)", "/grievances/entry/", fields)
    if saved is None:
        return
    forms = Forms(saved.body)
    assign = forms.holding("assigned_to")
    assign.update(assigned_to=forms.some("assigned_to"), note="Dicek ke desa / checked (soak).")
    user.post("grievance note (POST)", saved.path + "assign/", assign)


def send_grievance(user: User) -> None:
    page = user.get("grievance form", "/grievances/new/")
    if page is None or not user.run.may_send():
        return
    forms = Forms(page.body)
    fields = forms.holding("description")
    fields.update(category=forms.some("category"), region=forms.some("region"),
                  name="Warga Contoh", description="Nama kami tidak ada di daftar (uji beban).",
                  website="")  # fmt: skip
    sent = user.post("grievance send (POST)", "/grievances/new/", fields)
    if sent is not None and not sent.path.endswith("/sent/"):
        user.record.error("grievance send (POST)", f"not sent: ended at {sent.path}")


def track(user: User) -> None:
    page = user.get("tracking form", "/grievances/track/")
    if page is not None:
        fields = Forms(page.body).holding("code")
        fields["code"] = user.pick(user.catalogue.codes)
        user.post("tracking lookup (POST)", "/grievances/track/", fields)


# Weights in per cent of a role's actions.
MIX: dict[str, list[tuple[int, Action]]] = {
    "head": [
        (30, visit("dashboard", "/dashboard/")),
        (15, visit("decision list", "/decisions/")),
        (20, visit("decision", "/decisions/{decisions}/")),
        (15, visit("needs explorer", "/needs/?{needs}")),
        (5, visit("scenario list", "/scenarios/")),
        (15, visit("scenario", "/scenarios/{scenarios}/")),
    ],
    "analyst": [
        (20, visit("needs explorer", "/needs/?{needs}")),
        (15, visit("scenario", "/scenarios/{scenarios}/")),
        (8, visit("programme list", "/programmes/")),
        (15, visit("programme", "/programmes/{programmes}/")),
        (20, beneficiary_page),
        (7, visit("consultation list", "/consultations/")),
        (12, visit("consultation", "/consultations/{consultations}/")),
        (3, edit_consultation),
    ],
    "officer": [
        (18, visit("grievance list", "/grievances/")),
        (25, visit("grievance", "/grievances/{grievances}/")),
        (10, visit("monev list", "/monev/")),
        (12, visit("monev framework", "/monev/programmes/{monev}/")),
        (12, visit("monev dashboard", "/monev/programmes/{monev}/dashboard/")),
        (6, visit("stakeholder list", "/stakeholders/")),
        (10, visit("organisation", "/stakeholders/{organisations}/")),
        (5, visit("programme engagements", "/stakeholders/programmes/{programmes}/")),
        (2, enter_grievance),
    ],
    "public": [(60, send_grievance), (40, track)],
    "api": [
        (20, visit("API programmes", "/api/programmes")),
        (30, visit("API grievances", "/api/grievances")),
        (20, visit("API grievance", "/api/grievances/{codes}")),
        (30, visit("API indicators", "/api/indicators")),
    ],
}


def loop(user: User, stop: float) -> None:
    actions = [action for _, action in MIX[user.role]]
    weights = [weight for weight, _ in MIX[user.role]]
    time.sleep(user.rng.uniform(0, THINK[1]))  # not all at once
    while time.monotonic() < stop:
        user.rng.choices(actions, weights)[0](user)
        time.sleep(user.rng.uniform(*THINK))


# Before the clock: the demo, the server, the users ---------------------------------------------


@dataclass(frozen=True)
class Demo:
    passwords: dict[str, str]  # by demo username
    codes: list[str]  # the head's single-use backup codes


def prepare(env: dict[str, str]) -> Demo:
    """The demo of ``make run`` in the database of ``env``."""
    if not (DATASET / "dataset.json").is_file():
        subprocess.run(
            [str(BIN / "sejahtera"), "synth", "--region", "34", "--households", "100000",
             "--seed", "1", "--out", str(DATASET), "--quiet"], check=True,
        )  # fmt: skip
    manage(env, "migrate", "--noinput")
    manage(env, "load_regions", "34")
    manage(env, "register_dataset", str(DATASET))
    printed = manage(env, "demo")
    passwords = dict(re.findall(r"(demo-\w+)\s+(\S+)$", printed, re.MULTILINE))
    codes = printed.rsplit("backup codes:", 1)[1].split()
    for command in ("demo_stakeholders", "demo_consultations", "demo_grievances",
                    "demo_programmes", "demo_monev", "demo_decisions"):  # fmt: skip
        manage({**env, "SEJAHTERA_DATASET": str(DATASET)}, command)
    import psycopg

    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as database:
        database.execute("ANALYZE")  # as autovacuum would soon (it may be off on a test server)
    return Demo(passwords, codes)


def signed_in(base: str, username: str, password: str, code: str = "") -> Client:
    client = Client(base)
    fields = Forms(client.fetch("/login/").body).holding("username")
    fields.update(username=username, password=password)
    answer = client.fetch("/login/", fields)
    if code:  # the head: the second factor, a single-use backup code
        fields = Forms(answer.body).holding("code")
        fields["code"] = code
        answer = client.fetch("/login/verify/", fields)
    if answer.path != "/dashboard/":
        raise SystemExit(f"{username} could not sign in: ended at {answer.path}")
    return client


def found(client: Client, path: str, pattern: str) -> list[str]:
    answer = client.fetch(path)
    keys = list(dict.fromkeys(re.findall(pattern, answer.body)))
    if answer.status != 200 or not keys:
        raise SystemExit(f"nothing to open: {pattern} not on {path} (HTTP {answer.status})")
    return keys


def catalogue(api: Client, head: Client, analyst: Client, officer: Client) -> Catalogue:
    import json

    programmes = [p["code"] for p in json.loads(api.fetch("/api/programmes").body)]
    cycles = []
    for code in programmes:
        for cycle in re.findall(
            r"/programmes/cycles/(\d+)/", analyst.fetch(f"/programmes/{code}/").body
        ):
            page = analyst.fetch(f"/programmes/cycles/{cycle}/").body
            cycles.append((cycle, max([1, *map(int, re.findall(r"(?:of|dari) (\d+)", page))])))
    if not cycles:
        raise SystemExit("no beneficiary list: demo_programmes made no cycle")
    return Catalogue(
        decisions=found(head, "/decisions/", r"/decisions/(\d+)/"),
        scenarios=found(analyst, "/scenarios/", r"/scenarios/(\d+)/"),
        programmes=programmes,
        cycles=list(dict.fromkeys(cycles)),
        grievances=found(officer, "/grievances/", r"/grievances/(\d+)/"),
        codes=[g["code"] for g in json.loads(api.fetch("/api/grievances").body)],
        monev=found(officer, "/monev/", r"/monev/programmes/([\w-]+)/"),
        organisations=found(officer, "/stakeholders/", r"/stakeholders/(\d+)/"),
        consultations=found(analyst, "/consultations/", r"/consultations/(\d+)/"),
    )  # fmt: skip


def cast(users: int) -> dict[str, int]:
    """How many users of each role: ``SHARES`` of ``users``, the remainder to the largest
    shares; no more heads than backup codes."""
    counts = {role: int(share * users) for role, share in SHARES.items()}
    for role in sorted(SHARES, key=lambda r: SHARES[r] * users % 1, reverse=True):
        if sum(counts.values()) < users:
            counts[role] += 1
    counts["analyst"] += max(0, counts["head"] - BACKUP_CODES)
    counts["head"] = min(counts["head"], BACKUP_CODES)
    return counts


# Memory over time -----------------------------------------------------------------------------


def family(pid: int) -> list[int]:
    """``pid`` and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # ended meanwhile
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, todo = [pid], [pid]
    while todo:
        pid = todo.pop()
        children = [child for child, parent in parents.items() if parent == pid]
        found += children
        todo += children
    return found


def rss_mb(pids: list[int]) -> float:
    total_kb = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total_kb += int(re.search(r"^VmRSS:\s+(\d+)", status, re.MULTILINE).group(1))  # type: ignore[union-attr]
    return total_kb / 1024


@dataclass
class Sample:
    at: float  # seconds since the clock started
    server: tuple[int, float]  # (processes, MB)
    worker: tuple[int, float]
    postgres: tuple[int, float]
    load: float


def sampler(server: int, worker: int, database: str, start: float, stop: threading.Event,
            samples: list[Sample]) -> None:  # fmt: skip
    """Every 10 s until ``stop``: the RSS of each process group and the 1-minute load."""
    import psycopg

    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        while True:
            backends = [row[0] for row in admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (database,))]  # fmt: skip
            groups = [family(server), family(worker), backends]
            samples.append(Sample(time.monotonic() - start,
                                  *((len(g), rss_mb(g)) for g in groups),  # type: ignore[arg-type]
                                  os.getloadavg()[0]))  # fmt: skip
            if stop.wait(10):
                return


# The report -----------------------------------------------------------------------------------


def percentile(ordered: list[float], q: float) -> float:
    """The nearest-rank percentile ``q`` (0–100) of ``ordered``, in milliseconds."""
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1] * 1000


def report(record: Record, seconds: float) -> None:
    print(f"\n{'page':<28}{'requests':>9}{'errors':>7}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
          f"{'req/s':>7}")  # fmt: skip
    every: list[float] = []
    for name in sorted(record.timings | record.errors):
        answered = sorted(record.timings.get(name, []))
        every += answered
        values = answered or [float("nan")]  # every request failed: no time to show
        print(f"{name:<28}{len(answered):>9,}{record.errors.get(name, 0):>7}"
              f"{percentile(values, 50):>8.0f}{percentile(values, 95):>8.0f}"
              f"{percentile(values, 99):>8.0f}{len(answered) / seconds:>7.1f}")  # fmt: skip
    every.sort()
    errors = sum(record.errors.values())
    print(f"{'all':<28}{len(every):>9,}{errors:>7}{percentile(every, 50):>8.0f}"
          f"{percentile(every, 95):>8.0f}{percentile(every, 99):>8.0f}"
          f"{len(every) / seconds:>7.1f}")  # fmt: skip
    if record.conflicts:
        print(f"409 conflicts (two analysts saving one consultation, refused by design): "
              f"{record.conflicts}")  # fmt: skip
    for example in record.examples:
        print(f"  error: {example}")


def memory(samples: list[Sample]) -> None:
    print(f"\n{'s':>5}{'gunicorn MB':>16}{'worker MB':>14}{'PostgreSQL MB':>18}{'load':>6}")
    for s in samples:
        print(f"{s.at:>5.0f}{s.server[1]:>11.0f} ({s.server[0]}){s.worker[1]:>9.0f} "
              f"({s.worker[0]}){s.postgres[1]:>13.0f} ({s.postgres[0]}){s.load:>6.1f}")  # fmt: skip
    minute = next((s for s in samples if s.at >= 60), None)
    if minute is not None and samples[-1].at > minute.at:
        last = samples[-1]
        print(f"growth from {minute.at:.0f} s to {last.at:.0f} s: "
              f"gunicorn {last.server[1] - minute.server[1]:+.0f} MB, "
              f"worker {last.worker[1] - minute.worker[1]:+.0f} MB, "
              f"PostgreSQL {last.postgres[1] - minute.postgres[1]:+.0f} MB")  # fmt: skip


# The run --------------------------------------------------------------------------------------


def users(base: str, demo: Demo, args: argparse.Namespace, env: dict[str, str], run: Run,
          record: Record) -> list[User]:  # fmt: skip
    """Every user signed in (PBKDF2 is deliberately slow: before the clock starts)."""
    passwords, codes = demo.passwords, demo.codes
    counts = cast(args.users)
    clients: list[tuple[str, Client]] = []
    for role, count in counts.items():
        for i in range(count):
            if role == "head":
                client = signed_in(base, "demo-kepala", passwords["demo-kepala"], codes[i])
            elif role in ("analyst", "officer"):
                client = signed_in(base, f"demo-{role}", passwords[f"demo-{role}"])
            elif role == "api":
                token = manage(env, "api_token", "demo-analyst", "--label", f"soak {i}").strip()
                client = Client(base, token=token.split()[-1])
            else:
                client = Client(base)
            clients.append((role, client))
    head = next(c for r, c in clients if r == "head")
    analyst = next(c for r, c in clients if r == "analyst")
    officer = next(c for r, c in clients if r == "officer")
    api = next(c for r, c in clients if r == "api")
    found = catalogue(api, head, analyst, officer)
    print(
        f"users: {counts}; catalogue: {len(found.grievances)} grievances, "
        f"{len(found.cycles)} beneficiary lists of {[p for _, p in found.cycles]} pages"
    )
    return [User(role, client, random.Random(f"{args.seed}-{i}"), record, found, run)
            for i, (role, client) in enumerate(clients)]  # fmt: skip


def serve(
    env: dict[str, str], workers: int | None
) -> tuple[str, subprocess.Popen[bytes], subprocess.Popen[bytes]]:
    port = free_port()
    more = ["--workers", str(workers)] if workers else []
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    server = subprocess.Popen([str(BIN / "sejahtera"), "serve", "--port", str(port),
                               "--dataset", str(DATASET), *more], env=env, **quiet)  # fmt: skip
    worker = subprocess.Popen([str(BIN / "sejahtera"), "manage", "worker"], env=env, **quiet)
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            Client(base).fetch("/")
            return base, server, worker
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not answer in 30 s")


def soak(env: dict[str, str], database: str, args: argparse.Namespace) -> Record:
    demo = prepare(env)
    base, server, worker = serve(env, args.workers)
    record, run = Record(), Run(args.seconds)
    try:
        people = users(base, demo, args, env, run, record)
        stop, samples = threading.Event(), []
        load_start = os.getloadavg()
        run.start = time.monotonic()
        watch = threading.Thread(target=sampler, args=(server.pid, worker.pid, database,
                                                        run.start, stop, samples))  # fmt: skip
        threads = [threading.Thread(target=loop, args=(u, run.start + args.seconds))
                   for u in people]  # fmt: skip
        for thread in [watch, *threads]:
            thread.start()
        for thread in threads:
            thread.join()
        stop.set()
        watch.join()
        took = time.monotonic() - run.start
        report(record, took)
        memory(samples)
        print(f"\nload average (1, 5, 15 min) at start {load_start}, at end {os.getloadavg()}; "
              f"{run.sent} public grievances sent")  # fmt: skip
    finally:
        for process in (worker, server):
            process.terminate()
            process.wait(20)
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: serve's)")
    args = parser.parse_args()
    import psycopg

    print(f"{args.users} users for {args.seconds:g} s on PostgreSQL ({POSTGRES}), think time "
          f"{THINK[0]}-{THINK[1]} s, seed {args.seed}, {os.cpu_count()} cores")  # fmt: skip
    database = f"sejahtera_soak_{os.getpid()}"
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {database}")
    try:
        with tempfile.TemporaryDirectory() as folder:
            env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
            env.update(SEJAHTERA_DATA=folder, SEJAHTERA_SECRET_KEY=os.urandom(32).hex(),
                       DATABASE_URL=POSTGRES.rsplit("/", 1)[0] + "/" + database)  # fmt: skip
            record = soak(env, database, args)
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    if record.errors:
        raise SystemExit(f"{sum(record.errors.values())} errors under load")


if __name__ == "__main__":
    main()
