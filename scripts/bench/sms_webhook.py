#!/usr/bin/env python3
"""Benchmark the SMS webhook: signed Twilio requests at a fixed rate against gunicorn on loopback.

Run from the repository root: .venv/bin/python scripts/bench/sms_webhook.py [--rate 200]
[--duration 30] [--database-url postgresql+psycopg://...]

Starts gunicorn (2 sync workers) on a spare loopback port against a fresh instance folder
(SQLite by default; --database-url for PostgreSQL, migrated first, nothing dropped), then sends
signed POST /sms/inbound requests open-loop: request i leaves at start + i/rate whatever the
answers before it. Every request (form body and X-Twilio-Signature) is built before the timed
run, and one asyncio loop sends them, each on a fresh loopback connection, so the client costs
a connect, a write and a read per request and measures the server, not itself ("client lag"
says how late requests left: high means the client, not the server, fell behind).

Residents (one phone number each) go through a whole conversation (language, service, callback
now, STATUS). Their conversations overlap: each starts at a random moment and answers each
reply a few seconds later, so the four kinds of text arrive mixed (--phased instead sends
every first text, then every second one...: the bookings back to back at the full rate, the
worst case for SQLite's single writer). A share of texts is sent twice at the same instant with
the same MessageSid, as Twilio does when it retries. gunicorn runs with app.serving (each
worker loads the language detector before its first text), after a short unmeasured warm-up;
latency is also given per step.

Afterwards the database is read: every text answered 200 must be stored exactly once (lost and
duplicate counts), a retried text must have had the first reply or none, and every resident
must have a request. Exits non-zero when p99 >= 50 ms or anything errs, is lost or duplicated.

Then, side by side, the same texts at the same rate go to bare_webhook.py under the same
gunicorn (signature check, one insert, TwiML: the least a webhook does), and the ratio of the
two p99s is printed: machines differ several times over in their tail (this script gave p99
67-88 ms on one 2-core machine and 9-11 ms on another for the same code), and the ratio says
how much the app itself adds. --no-baseline skips it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import http.client
import os
import random
import secrets
import signal
import socket
import subprocess  # noqa: S404 (starts this project's own gunicorn and flask)
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

TARGET_P99_MS = 50.0
TOKEN = "bench-" + secrets.token_hex(16)
FIRST_TEXTS = (
    "hola, necesito ayuda",
    "xin chào",
    "bonjour",
    "你好",
    "مرحبا",
    "வணக்கம்",
    "నమస్కారం",
    "สวัสดี",
    "ສະບາຍດີ",
    "नमस्ते",
    "здравствуйте",
    "3",
)
SCRIPT = ("{first}", "1", "1", "STATUS")  # language, water, now, status
STEP_NAMES = ("language", "service", "callback (books the request)", "status")


@dataclass
class Shot:
    """One webhook request: when it leaves, its form, and whether it repeats an earlier sid."""

    at: float
    form: dict[str, str]
    retry: bool = False
    step: int = 0  # which text of the conversation (SCRIPT)
    status: int = 0
    latency_ms: float = 0.0
    late_ms: float = 0.0
    body: bytes = b""
    error: str = ""
    raw: bytes = b""  # the whole HTTP request, signed, built before the timed run


def spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def plan(
    rate: float,
    duration: float,
    duplicate_share: float,
    rng: random.Random,
    phased: bool = False,
) -> list[Shot]:
    """Every request of the run, in sending order.

    By default residents' conversations overlap as they would: each starts at a random moment
    and answers each reply a few seconds later, so first texts, answers, bookings and STATUS
    checks arrive mixed. `phased` sends every resident's first text, then every second text,
    and so on: the bookings then come one after another at the full rate for a quarter of the
    run, the worst case for the database's single writer.
    """
    total = int(rate * duration)
    originals = int(total / (1 + duplicate_share))
    residents = max(1, originals // len(SCRIPT))
    run = secrets.token_hex(4)
    texts: list[tuple[tuple[float, int, int], int, dict[str, str]]] = []
    for r in range(residents):
        moment = rng.uniform(0.0, duration * 0.7)
        for step in range(len(SCRIPT)):
            body = SCRIPT[step].format(first=FIRST_TEXTS[r % len(FIRST_TEXTS)])
            form = {
                "MessageSid": f"SM{run}{step:02d}{r:08d}".ljust(34, "0"),
                "AccountSid": "AC" + "0" * 32,
                "From": f"+1704{2000000 + r:07d}",
                "To": "+17045550100",
                "Body": body,
                "NumMedia": "0",
            }
            order = (float(step), r, step) if phased else (moment, r, step)
            texts.append((order, step, form))
            moment += rng.uniform(2.0, 6.0)  # reading the reply and answering it
    texts.sort(key=lambda t: t[0])
    shots: list[Shot] = []
    for _order, step, form in texts:
        shots.append(Shot(0.0, form, step=step))
        if rng.random() < duplicate_share:
            shots.append(Shot(0.0, form, retry=True, step=step))
    shots = shots[:total]
    for i, shot in enumerate(shots):
        shot.at = i / rate
    return shots


def warm_up() -> list[Shot]:
    """Forty first texts that need the language detector, so every worker loads it (~0.5 s)."""
    shots = []
    for i in range(40):
        form = {
            "MessageSid": f"SMwarm{secrets.token_hex(4)}{i:020d}",
            "AccountSid": "AC" + "0" * 32,
            "From": f"+1980{2000000 + i:07d}",
            "To": "+17045550100",
            "Body": "necesito ayuda con el agua",
            "NumMedia": "0",
        }
        shots.append(Shot(i / 20, form))
    return shots


def prepare(shots: list[Shot], port: int, url: str) -> None:
    """Build every request's bytes, signature included, so the timed run only sends them."""
    validator = RequestValidator(TOKEN)
    for shot in shots:
        body = urlencode(shot.form).encode("ascii")
        signature = validator.compute_signature(url, shot.form)
        head = (
            "POST /sms/inbound HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"X-Twilio-Signature: {signature}\r\n"
            "Connection: close\r\n\r\n"
        )
        shot.raw = head.encode("ascii") + body


async def fire(shot: Shot, port: int, start: float) -> None:
    """Send one prepared webhook on a fresh connection (as Twilio does) and time it."""
    began = time.perf_counter()
    shot.late_ms = (began - start - shot.at) * 1000
    writer = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
        writer.write(shot.raw)
        answer = await asyncio.wait_for(reader.read(), 10)  # the server closes after answering
        head, _, shot.body = answer.partition(b"\r\n\r\n")
        shot.status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
        if not shot.status:
            shot.error = "BadResponse"
    except (OSError, TimeoutError, ValueError, IndexError) as exc:
        shot.error = type(exc).__name__
    finally:
        if writer is not None:
            writer.close()
    shot.latency_ms = (time.perf_counter() - began) * 1000


async def _drive(shots: list[Shot], port: int) -> float:
    loop = asyncio.get_running_loop()
    pending = set()
    start = time.perf_counter()
    for shot in shots:
        delay = start + shot.at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = loop.create_task(fire(shot, port, start))
        pending.add(task)
        task.add_done_callback(pending.discard)
    if pending:
        await asyncio.wait(pending)
    return time.perf_counter() - start


def drive(shots: list[Shot], port: int, url: str) -> float:
    """Send every shot at its time (open loop) from one event loop; returns the wall time taken.

    Requests are built and signed first (prepare), so the client's timed work is a connect, a
    write and a read per request and the figures measure the server, not the load generator.
    The client's garbage collector is off while it sends: a collection over thousands of
    pending requests stops the event loop for tens of ms, and every answer arriving meanwhile
    would be timed late.
    """
    prepare(shots, port, url)
    gc.collect()
    gc.disable()
    try:
        return asyncio.run(_drive(shots, port))
    finally:
        gc.enable()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


APP = ["--config", "python:app.serving", "app:create_app()"]
BARE_APP = ["--pythonpath", str(Path(__file__).resolve().parent), "bare_webhook:app"]


def start_server(
    env: dict[str, str], port: int, workers: int, app: list[str] = APP
) -> subprocess.Popen[bytes]:
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    cmd = [gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    cmd += ["--log-level", "warning", *app]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("POST", "/sms/status")
            if conn.getresponse().status == 403:  # up, and refusing unsigned calls
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def cpu_seconds(pids: list[int]) -> tuple[float, float, float]:
    """CPU seconds so far: the machine busy, taken by the hypervisor (steal), used by `pids`.

    Read before and after the run, the differences tell how much CPU processes other than the
    server and this client took meanwhile, and how long this virtual machine's CPUs were not
    running at all: figures taken beside someone else's build, or on a busy host, are noisy.
    """
    tick = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat", encoding="ascii") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    steal = fields[7] if len(fields) > 7 else 0
    busy = sum(fields[:8]) - fields[3] - fields[4] - steal  # not idle, iowait or stolen
    ours = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                parts = stat.read().rsplit(")", 1)[1].split()
            ours += int(parts[11]) + int(parts[12])  # utime, stime
        except FileNotFoundError:
            continue
    return busy / tick, steal / tick, ours / tick


def server_pids(proc: subprocess.Popen[bytes]) -> list[int]:
    """gunicorn's arbiter and its workers."""
    found = [proc.pid]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ValueError, IndexError):
                continue
            if ppid == proc.pid:
                found.append(int(entry))
    return found


def check_database(url: str, shots: list[Shot]) -> dict[str, int]:
    """Lost, duplicated and mismatched texts, and requests made, read from the database."""
    answered = {s.form["MessageSid"] for s in shots if s.status == 200}
    sids = sorted({s.form["MessageSid"] for s in shots})
    engine = create_engine(url)
    stored: dict[str, int] = {}
    replies: dict[str, str | None] = {}
    with engine.connect() as conn:
        for i in range(0, len(sids), 500):
            chunk = sids[i : i + 500]
            rows = conn.execute(
                text("SELECT sid, reply_body FROM sms_messages WHERE sid IN :sids").bindparams(
                    __import__("sqlalchemy").bindparam("sids", expanding=True)
                ),
                {"sids": chunk},
            )
            for sid, reply in rows:
                stored[sid] = stored.get(sid, 0) + 1
                replies[sid] = reply
        phones = sorted({s.form["From"] for s in shots if s.form["Body"] == "STATUS"})
        requests_made = conn.execute(
            text(
                "SELECT count(DISTINCT c.id) FROM sms_conversations c "
                "JOIN requests r ON r.id = c.latest_request_id"
            )
        ).scalar_one()
    engine.dispose()
    mismatched = 0
    for shot in shots:
        if shot.retry and shot.status == 200:
            got = _reply_text(shot.body)
            if got and got != (replies.get(shot.form["MessageSid"]) or ""):
                mismatched += 1
    return {
        "lost": sum(1 for sid in answered if sid not in stored),
        "duplicates": sum(n - 1 for n in stored.values() if n > 1),
        "mismatched_replies": mismatched,
        "requests_made": int(requests_made),
        "residents": len(phones),
    }


def run_baseline(args: argparse.Namespace, workdir: Path) -> list[Shot]:
    """The same texts at the same rate against bare_webhook.py under the same gunicorn."""
    import bare_webhook

    port = spare_port()
    url = f"http://127.0.0.1:{port}/sms/inbound"
    database = workdir / "bare.db"
    bare_webhook.create_schema(str(database))
    env = {
        **os.environ,
        "BARE_TWILIO_AUTH_TOKEN": TOKEN,
        "BARE_PUBLIC_URL": url,
        "BARE_DATABASE": str(database),
    }
    proc = start_server(env, port, args.workers, BARE_APP)
    try:
        drive(warm_up(), port, url)
        shots = plan(args.rate, args.duration, args.duplicate_share, rng(), args.phased)
        drive(shots, port, url)
    finally:
        stop_server(proc)
    return shots


def rng() -> random.Random:
    """The run's texts and retries: the same for the app and the baseline."""
    return random.Random(20261129)  # noqa: S311 (which texts are retried, not secrets)


def _reply_text(body: bytes) -> str:
    import xml.etree.ElementTree as ET  # noqa: S405 (our own server's TwiML)

    node = ET.fromstring(body).find("Message")  # noqa: S314
    return "" if node is None else (node.text or "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests a second")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--database-url", help="default: SQLite in a temporary instance")
    parser.add_argument("--duplicate-share", type=float, default=0.05)
    parser.add_argument(
        "--phased",
        action="store_true",
        help="every resident's first text, then every second...: bookings back to back",
    )
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="skip the side-by-side run of bare_webhook.py (the least a signed webhook does)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sms-bench-") as tmp:
        db_url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        port = spare_port()
        public = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "FLASK_APP": "app",
            "FLASK_INSTANCE_PATH": tmp,
            "FLASK_SQLALCHEMY_DATABASE_URI": db_url,
            "FLASK_SECRET_KEY": secrets.token_hex(32),
            "FLASK_TWILIO_AUTH_TOKEN": TOKEN,
            "FLASK_PUBLIC_BASE_URL": public,
            "FLASK_LOG_LEVEL": "WARNING",
        }
        flask = str(Path(sys.executable).parent / "flask")
        for cmd in ([flask, "db", "upgrade"], [flask, "seed", "--no-demo"]):
            subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603
        proc = start_server(env, port, args.workers)
        try:
            drive(warm_up(), port, f"{public}/sms/inbound")
            shots = plan(args.rate, args.duration, args.duplicate_share, rng(), args.phased)
            pids = [*server_pids(proc), os.getpid()]
            busy_before, steal_before, ours_before = cpu_seconds(pids)
            wall = drive(shots, port, f"{public}/sms/inbound")
            busy_after, steal_after, ours_after = cpu_seconds(pids)
        finally:
            stop_server(proc)
        counts = check_database(db_url, shots)
        bare = [] if args.no_baseline else run_baseline(args, Path(tmp))

    latencies = [s.latency_ms for s in shots if s.status == 200]
    errors = sum(1 for s in shots if s.status != 200)
    kinds = sorted({s.error or str(s.status) for s in shots if s.status != 200})
    p50 = percentile(latencies, 0.50) if latencies else float("nan")
    p99 = percentile(latencies, 0.99) if latencies else float("nan")
    late = percentile([s.late_ms for s in shots], 0.99)
    print(f"database: {'PostgreSQL' if db_url.startswith('postgresql') else 'SQLite'}", end="")
    print(", texts phased (bookings back to back)" if args.phased else ", conversations mixed")
    print(f"sent {len(shots)} webhooks in {wall:.1f} s ({len(shots) / wall:.1f}/s), ", end="")
    print(f"{sum(s.retry for s in shots)} of them retries of a MessageSid at the same instant")
    print(f"latency: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(latencies or [0]):.1f} ms")
    print(
        f"client lag p99 {late:.1f} ms, max {max(s.late_ms for s in shots):.1f} ms "
        "(how late requests left; high = client saturated)"
    )
    ours = (ours_after - ours_before) / wall
    others = max(0.0, (busy_after - busy_before) / wall - ours)
    stolen = (steal_after - steal_before) / wall
    print(
        f"CPU during the run: server and client {ours:.2f} cores, other processes {others:.2f} "
        f"cores, stolen by the host {stolen:.2f} cores (of {os.cpu_count()}; above ~0.1 "
        "the figures are disturbed)"
    )
    for step, name in enumerate(STEP_NAMES):
        took = [s.latency_ms for s in shots if s.status == 200 and s.step == step]
        if took:
            print(
                f"  text {step + 1}, {name}: p50 {percentile(took, 0.5):.1f} ms, "
                f"p99 {percentile(took, 0.99):.1f} ms ({len(took)} texts)"
            )
    print(f"errors: {errors} {kinds if kinds else ''}".rstrip())
    print(
        f"database: {counts['lost']} lost, {counts['duplicates']} duplicated, "
        f"{counts['mismatched_replies']} retried texts with a different reply; "
        f"{counts['requests_made']} requests for {counts['residents']} residents"
    )
    bare_ok = [s.latency_ms for s in bare if s.status == 200]
    bare_errors = sum(1 for s in bare if s.status != 200)
    if bare:
        bare_p99 = percentile(bare_ok, 0.99) if bare_ok else float("nan")
        print(
            f"baseline (bare_webhook.py: signature check, one insert, TwiML; same gunicorn, "
            f"rate and texts): p50 {percentile(bare_ok, 0.5):.1f} ms, p99 {bare_p99:.1f} ms, "
            f"{bare_errors} errors"
        )
    print(f"p50_ms: {p50:.1f} ms")
    print(f"p99_ms: {p99:.1f} ms")
    print(f"errors: {errors} count")
    print(f"lost_messages: {counts['lost']} count")
    print(f"duplicate_messages: {counts['duplicates'] + counts['mismatched_replies']} count")
    print(f"requests_per_s: {len(shots) / wall:.1f} req/s")
    print(f"client_lag_p99_ms: {late:.1f} ms")
    print(f"server_and_client_cpu: {ours:.2f} cores")
    print(f"other_processes_cpu: {others:.2f} cores")
    print(f"host_steal_cpu: {stolen:.2f} cores")
    if bare:
        print(f"bare_app_p99_ms: {bare_p99:.1f} ms")
        print(f"p99_vs_bare_app: {p99 / bare_p99:.2f} x")
    missed = (
        not p99 < TARGET_P99_MS
        or errors
        or counts["lost"]
        or counts["duplicates"]
        or counts["mismatched_replies"]
        or counts["requests_made"] < counts["residents"]
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
