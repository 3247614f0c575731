"""wrk runs, the side-by-side table, and public pages while a séance takes writes."""

import asyncio
import json
import random
import re
import statistics
import subprocess
import time
import urllib.request

from common import CLIENT_KEEPALIVE_S, HTMX, RETURNING_PHONE, SLUG, Server, log


def wrk(url: str, headers: dict | None = None, seconds: int = 5, connections: int = 16) -> dict:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"rps": rps, "p50": _latency(out, "50%"), "p99": _latency(out, "99%"),
            "non2xx": int(non.group(1)) if non else 0}


WRK_SECONDS = 3


def best_of(runs: int, url: str, headers: dict | None = None, seconds: int | None = None) -> dict:
    """The best of a few runs, with every run's errors counted. gunicorn's gthread workers
    each accept what connections they can: now and then all of wrk's land on one worker and
    the rate drops to a third, for either app (a property of the server, not of the app)."""
    results = [wrk(url, headers, seconds or WRK_SECONDS) for _ in range(runs)]
    best = max(results, key=lambda r: r["rps"])
    return {**best, "non2xx": sum(r["non2xx"] for r in results), "runs": [r["rps"] for r in results]}


def _latency(out: str, pct: str) -> float:
    value, unit = re.search(rf"^\s+{pct}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def side_by_side(project: Server, bare: Server) -> list[dict]:
    live = f"/seances/{SLUG}/questions/live"
    etag = urllib.request.urlopen(project.url + live).headers["ETag"]
    cases = [
        ("unchanged poll (304)", live, {"If-None-Match": etag}, 1.0),  # issue 14: "≥ 1.0, kept"
        ("live fragment (50 q.)", live, {}, 0.30),
        # A phone that voted and asked: the shared list, its own part filled in (no 304 here).
        ("  same, returning phone", live, {"Cookie": f"masterclass_participant={RETURNING_PHONE}"}, 0.30),
        ("participant page", f"/seances/{SLUG}/questions", {}, 0.50),
        ("  same, returning phone", f"/seances/{SLUG}/questions",
         {"Cookie": f"masterclass_participant={RETURNING_PHONE}"}, 0.30),
        ("séance page", f"/seances/{SLUG}", {}, 0.50),
        ("archive page", "/seances", {}, 0.50),
        ("home page", "/", {}, 0.50),
        ("search", "/recherche?q=recruter", {}, 0.50),
    ]
    # Warm both servers up first: a gunicorn just started answers slowly for a while.
    for url in (bare.url + "/", project.url + f"/seances/{SLUG}"):
        wrk(url, seconds=3)
    rows = []
    for i, (name, path, headers, target) in enumerate(cases):
        order = [("bare", bare.url + "/", {}), ("project", project.url + path, headers)]
        results = {}
        for label, url, hdrs in (order if i % 2 == 0 else order[::-1]):
            results[label] = best_of(3, url, hdrs)
        p, b = results["project"], results["bare"]
        rows.append({"name": name, **p, "bare_rps": b["rps"], "target": target,
                     "bare_non2xx": b["non2xx"]})
    # Each case is the best of three runs for both apps (see best_of), and ratios are taken to
    # the bare app's best over the whole table, the strictest reference; its rate beside each
    # case is shown so drift stays visible.
    reference = max(r["bare_rps"] for r in rows)
    for r in rows:
        r["ratio"] = r["rps"] / reference
    log(f"bare app: best {reference:.0f} req/s over {len(rows)} cases "
        f"(median {statistics.median(r['bare_rps'] for r in rows):.0f}, "
        f"min {min(r['bare_rps'] for r in rows):.0f})")
    return rows


def print_table(rows: list[dict]) -> None:
    log(f"{'case':<24}{'req/s':>9}{'bare beside':>12}{'ratio':>7}{'target':>8}{'p50 ms':>8}"
        f"{'p99 ms':>8}{'non-2xx/3xx':>13}  ok")
    for r in rows:
        ok = (r["target"] is None or r["ratio"] >= r["target"]) and r["non2xx"] == 0 and r["bare_non2xx"] == 0
        target = f"{r['target']:>8.2f}" if r["target"] is not None else f"{'-':>8}"
        log(f"{r['name']:<24}{r['rps']:>9.0f}{r['bare_rps']:>12.0f}{r['ratio']:>7.2f}"
            f"{target}{r['p50']:>8.2f}{r['p99']:>8.2f}{r['non2xx']:>13}  "
            f"{'yes' if ok else 'NO'}")


class Writes:
    """A séance taking votes and questions in the background (its own thread and event loop),
    from 100 phones with their own cookies, at the given rates, until the block ends; ``pause()``
    stops sending (and waits for what was sent), ``resume()`` starts again."""

    def __init__(self, base: str, votes_per_s: float, questions_per_s: float, phones: int = 100):
        self.base, self.rates, self.phones = base, (votes_per_s, questions_per_s), phones
        self.done, self.errors = 0, []
        self.in_flight = 0

    async def _run(self):
        import aiohttp

        page = f"/seances/{SLUG}/questions"
        async with aiohttp.ClientSession(self.base) as probe:
            async with probe.get(page) as response:
                ids = [int(i) for i in re.findall(r'id="vote-bouton-(\d+)"', await response.text())]
        clients = []
        for _ in range(self.phones):
            client = aiohttp.ClientSession(self.base, cookie_jar=aiohttp.CookieJar(unsafe=True),
                                           connector=aiohttp.TCPConnector(keepalive_timeout=CLIENT_KEEPALIVE_S))
            async with client.get(page) as response:
                token = json.loads(re.search(r"hx-headers='(\{[^']*\})'", await response.text()).group(1))
            clients.append((client, token["X-CSRFToken"]))
        self.ready.set()

        async def post(url, data, expected):
            client, token = random.choice(clients)
            self.in_flight += 1
            try:
                async with client.post(url, data={**data, "csrf_token": token}, allow_redirects=False,
                                       headers=HTMX) as response:
                    await response.read()
                    if response.status != expected:
                        self.errors.append(f"{url}: HTTP {response.status}")
                    self.done += 1
            except Exception as error:  # noqa: BLE001 - every failure counts
                self.errors.append(f"{url}: {error!r}")
            finally:
                self.in_flight -= 1

        votes_per_s, questions_per_s = self.rates
        started, n, since, pending = time.monotonic(), 0, 0, []
        while not self.stopping.is_set():
            if not self.active.is_set():  # paused: the schedule starts again on resume
                await asyncio.sleep(0.01)
                started, since = time.monotonic(), n
                continue
            n += 1
            pending.append(asyncio.create_task(
                post(f"/questions/{random.choice(ids)}/vote", {}, 200)))
            if n % round(votes_per_s / questions_per_s) == 0:
                pending.append(asyncio.create_task(
                    post(page, {"body": f"Question écrite pendant la mesure n°{n} ?"}, 200)))
            await asyncio.sleep(max(0.0, started + (n - since) / votes_per_s - time.monotonic()))
        await asyncio.gather(*pending)
        for client, _token in clients:
            await client.close()

    def __enter__(self):
        import threading

        self.ready, self.stopping, self.active = threading.Event(), threading.Event(), threading.Event()
        self.active.set()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self.thread.start()
        if not self.ready.wait(60):
            raise RuntimeError("the background phones did not start")
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join(60)

    def pause(self) -> None:
        self.active.clear()
        deadline = time.monotonic() + 30
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.01)

    def resume(self) -> None:
        self.active.set()


def pages_under_writes(project: Server) -> list[dict]:
    """Home, archive and search idle, then while a séance takes 20 votes/s and 2 questions/s
    (none of them shows votes or pending questions: their cached copies must stay)."""
    rows = []
    # Idle and busy runs in turns, the best of 5 of each: one run in three or so falls into the
    # workers' imbalance (see best_of), and the machine drifts; measured in two blocks (all
    # idle runs, then all busy ones), the ratio moved between 0.77 and 1.05 from run to run.
    for name, path in (("home page", "/"), ("archive page", "/seances"), ("search", "/recherche?q=recruter")):
        idle_runs, busy_runs = [], []
        with Writes(project.url, votes_per_s=20, questions_per_s=2) as writes:
            for _ in range(5):
                writes.pause()
                idle_runs.append(wrk(project.url + path, seconds=WRK_SECONDS))
                writes.resume()
                busy_runs.append(wrk(project.url + path, seconds=WRK_SECONDS))
        idle, busy = (max(runs, key=lambda r: r["rps"]) for runs in (idle_runs, busy_runs))
        rows.append({"name": name, "idle": idle["rps"], "busy": busy["rps"], "ratio": busy["rps"] / idle["rps"],
                     "p99": busy["p99"], "non2xx": sum(r["non2xx"] for r in idle_runs + busy_runs),
                     "writes": writes.done, "write_errors": writes.errors})
    return rows
