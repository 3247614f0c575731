"""make bench: the project beside a bare Flask app, under the same gunicorn, loaded by wrk.

Prints: the side-by-side table (req/s, p50, p99, non-2xx/3xx, ratio to the bare app), public
pages while a séance takes votes and questions, the room (1,000 phones polling with their own
cookies, asking, voting, a moderator approving; every acknowledged write looked for), worker
memory over the room, the participant page's weight in Chromium, and the archive's growth.
Any non-2xx/3xx, lost write or worker restart fails its case.

Everything runs on loopback; the bare app and the project alternate so drift shows. The parts:
common.py (servers, paths), seed.py (the room's séance, through the app), load.py (wrk, the
table, pages under writes), room.py, weight.py, growth.py.
"""

import argparse
import asyncio
import os
import shutil
import sys

import load
from common import (
    GUNICORN_ARGS,
    GUNICORN_ENV,
    POSTGRESQL,
    ROOT,
    WORK,
    Server,
    fresh_database,
    log,
    project_env,
)
from growth import report_growth
from load import WRK_SECONDS, pages_under_writes, print_table, side_by_side
from room import room
from seed import realistic_seance
from weight import weight


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-growth", action="store_true")
    parser.add_argument("--room-seconds", type=int, default=60)
    parser.add_argument("--room-phones", type=int, default=1000)
    parser.add_argument("--growth-only", action="store_true")
    parser.add_argument("--table-only", action="store_true", help="the side-by-side table alone")
    parser.add_argument("--wrk-seconds", type=int, default=WRK_SECONDS, help="length of each wrk run")
    options = parser.parse_args()
    load.WRK_SECONDS = options.wrk_seconds
    if not shutil.which("wrk"):
        log("wrk is missing: apt-get install -y wrk")
        return 2
    WORK.mkdir(exist_ok=True)
    failures = []
    log(f"machine: {os.cpu_count()} cores; {GUNICORN_ENV} gunicorn {' '.join(GUNICORN_ARGS)} for both apps; "
        "wrk -t2 -c16 on loopback, best of 3 runs of 3 s per case and app")
    log(f"database: {'PostgreSQL (' + POSTGRESQL + ')' if POSTGRESQL else 'SQLite'}\n")
    if POSTGRESQL and (options.growth_only or not options.skip_growth):
        # The growth case keeps its generated SQLite archives between runs; on PostgreSQL it
        # would generate 10,000 séances at every run.
        log("growth: measured on SQLite only (make bench)")
        options.skip_growth, options.growth_only = True, False

    if options.growth_only:
        report_growth(failures)
        return conclude(failures)
    db = fresh_database(WORK / "live" / "masterclass.db")
    realistic_seance(db)
    with Server("wsgi:app", 8701, project_env(db)) as project, \
            Server("bare_app:app", 8702, cwd=ROOT / "bench") as bare:
        workers = project.worker_pids()
        log("== Side by side (ratio = project req/s / bare app req/s, same run) ==")
        rows = side_by_side(project, bare)
        print_table(rows)
        failures += [f"{r['name'].strip()}: ratio {r['ratio']:.2f} < {r['target']}" for r in rows
                     if r["target"] is not None and r["ratio"] < r["target"]]
        failures += [f"{r['name'].strip()}: {r['non2xx']} non-2xx/3xx" for r in rows if r["non2xx"]]
        failures += restarted(project, workers, "side by side")
        memory = project.peak_memory_kb()
        bare_memory = bare.peak_memory_kb()
        if options.table_only:
            return conclude(failures)

        log("\n== Public pages while the séance takes 20 votes/s and 2 questions/s (target >= 0.8 of idle) ==")
        for r in pages_under_writes(project):
            ok = r["ratio"] >= 0.8 and not r["non2xx"] and not r["write_errors"]
            log(f"{r['name']:<14} idle {r['idle']:>7.0f} req/s | busy {r['busy']:>7.0f} req/s p99 {r['p99']:5.1f} ms"
                f" | ratio {r['ratio']:.2f} | {r['writes']} writes, {len(r['write_errors'])} refused"
                f" | non-2xx/3xx {r['non2xx']}  {'yes' if ok else 'NO'}")
            for error in r["write_errors"][:3]:
                log(f"  error: {error}")
            if not ok:
                failures.append(f"{r['name']} under writes: ratio {r['ratio']:.2f}, "
                                f"{r['non2xx']} non-2xx/3xx, {len(r['write_errors'])} writes refused")
        failures += restarted(project, workers, "pages under writes")

        log(f"\n== A room: {options.room_phones} phones polling every 2 s with their own cookies, 10 questions/s, "
            f"20 votes/s, an approval every 2 s, {options.room_seconds} s ==")
        samples = []
        result = asyncio.run(room(project.url, db, phones=options.room_phones, seconds=options.room_seconds,
                                  sample=lambda: samples.append(project.memory_kb())))
        samples.append(project.memory_kb())
        log(f"requests {result['requests']}, statuses {dict(sorted(result['statuses'].items()))}, "
            f"errors {len(result['errors'])}")
        log(f"latency p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms (polls p99 {result['poll_p99']:.1f}, "
            f"questions {result['question_p99']:.1f}, votes {result['vote_p99']:.1f}, "
            f"approvals {result['approval_p99']:.1f} ms)")
        log(f"questions sent {result['asked']}, acknowledged {result['acknowledged']}, stored {result['stored']}; "
            f"votes sent {result['votes_sent']}, acknowledged {result['votes_acknowledged']}, "
            f"not as the phone was told {result['votes_lost']}, questions whose count is wrong {result['miscounted']}")
        log("worker memory (VmRSS) every 10 s: " + " | ".join(
            ", ".join(f"{kb / 1024:.0f}" for kb in sample) for sample in samples) + " MB")
        for error in result["errors"][:5]:
            log(f"  error: {error}")
        if result["p99"] >= 100:
            failures.append(f"room p99 {result['p99']:.1f} ms >= 100 ms")
        if result["errors"]:
            failures.append(f"room: {len(result['errors'])} errors")
        if result["stored"] < result["acknowledged"]:
            failures.append("room: acknowledged questions missing")
        if result["votes_lost"] or result["miscounted"]:
            failures.append(f"room: {result['votes_lost']} votes not stored as acknowledged, "
                            f"{result['miscounted']} vote counts wrong")
        end = max(samples[-1]) / 1024
        first_half = max(max(sample) for sample in samples[: max(1, len(samples) // 2)]) / 1024
        log(f"memory at the end {end:.0f} MB per worker at most (target <= 80), "
            f"{end - first_half:+.0f} MB since the first half of the run (flat: <= +5)")
        if end > 80 or end - first_half > 5:
            failures.append(f"room memory: {end:.0f} MB at the end, {end - first_half:+.0f} MB over the run")
        failures += restarted(project, workers, "room")
        memory = [max(a, b) for a, b in zip(memory, project.peak_memory_kb(), strict=False)]

        log("\n== Weight of the participant page in Chromium (phone) ==")
        w = weight(project.url)
        log(f"{w['requests']} requests to {', '.join(w['hosts'])}; uncompressed {w['uncompressed'] / 1024:.1f} KB; "
            f"as served (static gzip, HTML plain) {w['served'] / 1024:.1f} KB; "
            f"with the proxy's gzip on HTML {w['with_proxy_gzip'] / 1024:.1f} KB")
        if w["uncompressed"] >= 100 * 1024 or w["with_proxy_gzip"] >= 40 * 1024 or len(w["hosts"]) != 1:
            failures.append("weight target missed")

    log("\n== Peak memory per worker (VmHWM) ==")
    log(f"project workers: {', '.join(f'{kb / 1024:.0f} MB' for kb in memory)}; "
        f"bare app workers: {', '.join(f'{kb / 1024:.0f} MB' for kb in bare_memory)}")

    if not options.skip_growth:
        report_growth(failures)
    return conclude(failures)


def restarted(server: Server, workers: list[int], case: str) -> list[str]:
    """A worker that died (and was replaced by gunicorn) fails the case it died in."""
    now = server.worker_pids()
    if now == workers:
        return []
    log(f"  WORKER RESTART during {case}: {workers} -> {now}")
    workers[:] = now
    return [f"{case}: a worker restarted"]


def conclude(failures: list) -> int:
    log("\n" + ("All targets met." if not failures else "Targets missed:\n  " + "\n  ".join(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
