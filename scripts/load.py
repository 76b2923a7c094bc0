#!/usr/bin/env python3
"""Mixed load on loopback: staff form submissions, API creates and signed SMS webhooks at once.

Run from the repository root:
    .venv/bin/python scripts/load.py [--duration 20] [--postgres] [--form 2 --api 4 --sms 6]

Sets up a fresh instance (SQLite by default; --postgres makes a scratch database on
127.0.0.1:5432 and drops it after), migrates and seeds it, starts gunicorn (2 workers x 4
threads) and the queue worker like scripts/run, then, after an untimed warm-up that loads each
worker's language detector, runs closed-loop clients of each kind for the duration: --form
signed-in staff posting the translation form, --api clients posting JSON with a department's
bearer token, --sms simulated residents texting signed webhooks (each text a new MessageSid;
a share sent twice at once, as Twilio retries).

Then it checks the database and the logs:
  * every request the app accepted (302 to the request page, 201 from the API, an SMS
    conversation that reached its confirmation) exists exactly once;
  * every text answered 200 is stored once with one reply, and its retry got the same reply;
  * no response was an error (5xx, 4xx other than the intended, or a dropped connection);
  * no log line of the web server or the worker holds a resident phone number, a password,
    the API token, the Twilio auth token or the secret key.
Prints `name: value unit` lines (requests per second, p50/p99 per kind) and exits non-zero on
any error, loss, duplicate or leak.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import json
import os
import re
import secrets
import signal
import socket
import subprocess  # noqa: S404 (starts this project's own processes)
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

BIN = Path(sys.executable).parent
PASSWORD = "load-" + secrets.token_hex(8)
TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@dataclass
class Stats:
    """What one kind of client saw."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)  # titles, numbers or MessageSids
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, began: float, ok: bool, what: str, key: str | None = None) -> None:
        with self.lock:
            self.latencies.append((time.perf_counter() - began) * 1000)
            if not ok:
                self.errors.append(what)
            elif key is not None:
                self.accepted.append(key)


def spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def flask(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603
        [str(BIN / "flask"), *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def wait_serving(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited at start")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def form_client(port: int, stop: float, stats: Stats) -> None:
    """A staff member submitting pasted-text translation requests through the real form."""
    base = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = opener.open(f"{base}/login", timeout=10).read().decode()
    login = {"email": "load.staff@city.example", "password": PASSWORD}
    login["csrf_token"] = TOKEN_RE.search(page).group(1)  # type: ignore[union-attr]
    opener.open(f"{base}/login", data=urllib.parse.urlencode(login).encode(), timeout=10)
    while time.time() < stop:
        title = f"load-form-{uuid.uuid4().hex}"
        began = time.perf_counter()
        try:
            page = opener.open(f"{base}/requests/new/translation", timeout=30).read().decode()
            data = {
                "csrf_token": TOKEN_RE.search(page).group(1),  # type: ignore[union-attr]
                "title": title,
                "languages": "ta",
                "audience": "public",
                "text": "Your water will be shut off on Monday. Call 311 for help.",
            }
            req = urllib.request.Request(  # noqa: S310 (loopback http only)
                f"{base}/requests/new/translation", data=urllib.parse.urlencode(data).encode()
            )
            resp = opener.open(req, timeout=30)
            ok = resp.status == 200 and "/requests/" in resp.url and "submitted=1" in resp.url
            stats.record(began, ok, f"form {resp.status} {resp.url}", title)
        except (OSError, AttributeError) as exc:
            stats.record(began, False, f"form {exc!r}")


def api_client(port: int, token: str, stop: float, stats: Stats) -> None:
    """A department's system creating requests through the JSON API."""
    while time.time() < stop:
        title = f"load-api-{uuid.uuid4().hex}"
        body = json.dumps(
            {
                "kind": "translation",
                "title": title,
                "languages": ["te"],
                "text": "The library will be closed on Friday.",
            }
        )
        began = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request(
                "POST",
                "/api/v1/requests",
                body=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            resp = conn.getresponse()
            payload = resp.read()
            conn.close()
            stats.record(began, resp.status == 201, f"api {resp.status} {payload[:200]!r}", title)
        except OSError as exc:
            stats.record(began, False, f"api {exc!r}")


def resident_phone(client: int, resident: int) -> str:
    """A valid North American number per simulated resident (exchanges from 200 up)."""
    return f"+1704{2000000 + client * 10000 + resident:07d}"


SMS_SCRIPT = ("hola, necesito un intérprete", "1", "1")  # Spanish; water; call now


def sms_client(
    port: int, url: str, auth: str, n: int, stop: float, stats: Stats, replies: dict[str, bytes]
) -> None:
    """Residents texting the city's number; every fifth text is sent twice at once."""
    resident = 0
    while time.time() < stop:
        resident += 1
        phone = resident_phone(n, resident)
        for step, body in enumerate(SMS_SCRIPT):
            if time.time() >= stop:
                return
            sid = f"SM{uuid.uuid4().hex}"
            form = {
                "MessageSid": sid,
                "AccountSid": "AC" + "0" * 32,
                "From": phone,
                "To": "+17045550100",
                "Body": body,
                "NumMedia": "0",
            }
            copies = 2 if (resident + step) % 5 == 0 else 1
            threads = [
                threading.Thread(target=_text, args=(port, url, auth, form, stats, replies))
                for _ in range(copies)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()


def _text(
    port: int, url: str, auth: str, form: dict[str, str], stats: Stats, replies: dict[str, bytes]
) -> None:
    signature = RequestValidator(auth).compute_signature(url, form)
    began = time.perf_counter()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request(
            "POST",
            "/sms/inbound",
            body=urllib.parse.urlencode(form),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature,
            },
        )
        resp = conn.getresponse()
        reply = resp.read()
        conn.close()
    except OSError as exc:
        stats.record(began, False, f"sms {exc!r}")
        return
    sid = form["MessageSid"]
    with stats.lock:
        first = replies.setdefault(sid, reply)
    same = first == reply or b"<Message" not in reply  # a concurrent retry may get no body
    stats.record(began, resp.status == 200 and same, f"sms {resp.status} {reply[:200]!r}", sid)


def warm_up(port: int, url: str, auth: str) -> None:
    """Untimed first texts, so every web worker has loaded its language detector (~2 s each)."""
    ignored = Stats()
    threads = [
        threading.Thread(
            target=_text,
            args=(port, url, auth, {
                "MessageSid": f"SMwarm{uuid.uuid4().hex}", "AccountSid": "AC" + "0" * 32,
                "From": resident_phone(90, n), "To": "+17045550100",
                "Body": "necesito ayuda con el agua", "NumMedia": "0",
            }, ignored, {}),
        )
        for n in range(16)
    ]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def check_database(url: str, stats: dict[str, Stats]) -> dict[str, int]:
    """Accepted things missing (lost) or stored twice (duplicated), per kind."""
    engine = create_engine(url)
    found: dict[str, int] = {}
    with engine.connect() as conn:
        for title, count in conn.execute(
            text("SELECT title, COUNT(*) FROM requests WHERE title LIKE 'load-%' GROUP BY title")
        ):
            found[title] = count
        sids = dict(
            conn.execute(
                text(
                    "SELECT sid, COUNT(*) FROM sms_messages WHERE direction = 'inbound' "
                    "AND reply_body IS NOT NULL GROUP BY sid"
                )
            ).all()
        )
    engine.dispose()
    lost = dup = 0
    for kind in ("form", "api"):
        for title in set(stats[kind].accepted):
            lost += found.get(title, 0) == 0
            dup += found.get(title, 0) > 1
    for sid in set(stats["sms"].accepted):
        lost += sids.get(sid, 0) == 0
        dup += sids.get(sid, 0) > 1
    return {"lost": lost, "duplicated": dup}


def scan_logs(logs: list[Path], secrets_to_hide: list[str], phones: list[str]) -> list[str]:
    """Log lines that give away a secret or a resident's phone number (in any usual spelling)."""
    needles = [s for s in secrets_to_hide if s]
    for phone in phones:
        digits = phone.lstrip("+")
        needles += [phone, digits, digits[1:], f"{digits[1:4]}-{digits[4:7]}-{digits[7:]}"]
    leaks = []
    for log in logs:
        for line in log.read_text(errors="replace").splitlines():
            if any(n in line for n in needles):
                leaks.append(f"{log.name}: {line[:200]}")
    return leaks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--form", type=int, default=2, help="staff form clients")
    parser.add_argument("--api", type=int, default=4, help="API clients")
    parser.add_argument("--sms", type=int, default=6, help="texting residents at once")
    parser.add_argument("--postgres", action="store_true", help="a scratch PostgreSQL database")
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="load-"))
    scratch = None
    if args.postgres:
        scratch = f"load_{secrets.token_hex(4)}"
        admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{scratch}"'))
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{scratch}"
    else:
        url = f"sqlite:///{instance / 'load.db'}"
    port = spare_port()
    auth_token = secrets.token_hex(16)
    secret_key = secrets.token_hex(32)
    env = {
        **os.environ,
        "FLASK_APP": "app",
        "FLASK_INSTANCE_PATH": str(instance),
        "FLASK_SQLALCHEMY_DATABASE_URI": url,
        "FLASK_SECRET_KEY": secret_key,
        "FLASK_TWILIO_AUTH_TOKEN": auth_token,
        "FLASK_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "FLASK_LOGIN_RATE_LIMIT": "10000 per minute",
        "FLASK_SMS_RATE_LIMIT": "10000 per minute",
        "FLASK_LOG_LEVEL": "INFO",
    }
    flask(env, "db", "upgrade")
    flask(env, "seed", "--no-demo")
    flask(env, "users", "create", "--email", "load.staff@city.example", "--name", "Load",
          "--role", "staff", "--department", "housing", "--password", PASSWORD)  # fmt: skip
    token = flask(env, "tokens", "create", "--department", "water", "--name", "load")
    api_token = token.strip().splitlines()[-1].strip()
    web_log, worker_log = instance / "web.log", instance / "worker.log"
    with web_log.open("wb") as web_out, worker_log.open("wb") as worker_out:
        worker = subprocess.Popen(  # noqa: S603
            [str(BIN / "flask"), "worker"],
            cwd=ROOT, env=env, stdout=worker_out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        web = subprocess.Popen(  # noqa: S603
            [str(BIN / "gunicorn"), "--config", "python:app.serving",
             "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--threads", "4", "--access-logfile", "-", "app:create_app()"],
            cwd=ROOT, env=env, stdout=web_out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    stats = {"form": Stats(), "api": Stats(), "sms": Stats()}
    replies: dict[str, bytes] = {}
    try:
        wait_serving(port, web)
        warm_up(port, f"http://127.0.0.1:{port}/sms/inbound", auth_token)
        stop = time.time() + args.duration
        began = time.perf_counter()
        clients = [
            threading.Thread(target=form_client, args=(port, stop, stats["form"]))
            for _ in range(args.form)
        ]
        clients += [
            threading.Thread(target=api_client, args=(port, api_token, stop, stats["api"]))
            for _ in range(args.api)
        ]
        inbound = f"http://127.0.0.1:{port}/sms/inbound"
        clients += [
            threading.Thread(
                target=sms_client,
                args=(port, inbound, auth_token, n, stop, stats["sms"], replies),
            )
            for n in range(args.sms)
        ]
        for c in clients:
            c.start()
        for c in clients:
            c.join()
        elapsed = time.perf_counter() - began
        time.sleep(1.0)  # let the worker finish what the last requests queued
    finally:
        for proc in (web, worker):
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in (web, worker):
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    counts = check_database(url, stats)
    phones = sorted({resident_phone(n, r) for n in range(args.sms) for r in range(1, 1000)})
    leaks = scan_logs([web_log, worker_log], [PASSWORD, api_token, auth_token, secret_key], phones)
    if scratch:
        admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
    total = sum(len(s.latencies) for s in stats.values())
    errors = sum(len(s.errors) for s in stats.values())
    for kind, s in stats.items():
        for err in s.errors[:5]:
            print(f"error ({kind}): {err}", file=sys.stderr)
    for leak in leaks[:10]:
        print(f"leak: {leak}", file=sys.stderr)
    all_latencies = [v for s in stats.values() for v in s.latencies]
    print(f"database: {'postgresql' if args.postgres else 'sqlite'}")
    for kind, s in stats.items():
        print(f"{kind}_requests: {len(s.latencies)} count")
        print(f"{kind}_p50_ms: {percentile(s.latencies, 0.50):.1f} ms")
        print(f"{kind}_p99_ms: {percentile(s.latencies, 0.99):.1f} ms")
    print(f"requests_per_s: {total / elapsed:.1f} req/s")
    print(f"p99_ms: {percentile(all_latencies, 0.99):.1f} ms")
    print(f"errors: {errors} count")
    print(f"error_rate: {100 * errors / max(total, 1):.2f} %")
    print(f"lost: {counts['lost']} count")
    print(f"duplicated: {counts['duplicated']} count")
    print(f"log_leaks: {len(leaks)} count")
    return 1 if errors or counts["lost"] or counts["duplicated"] or leaks or not total else 0


if __name__ == "__main__":
    sys.exit(main())
