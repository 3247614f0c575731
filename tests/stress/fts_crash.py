"""Reproducer for issue 12 item 10: gthread workers crashing (SIGSEGV) under concurrent FTS5
searches on a cold start. Not part of `make test` (not a test_*.py file); run it by hand:

    .venv/bin/python tests/stress/fts_crash.py --starts 30 [--no-lock] [--sqlite pysqlite3]
        [--python /root/.pyenv/versions/3.12.1/bin/python] [--port 5800] [--core]

It makes (once, kept in .stress/) a large archive with the project's generator (10,000 séances,
100,000 questions, as `make bench`'s growth run), then N times: starts the README's production
command (gunicorn, 2 workers x 4 threads) cold on that archive, fires concurrent searches with
varied words at once (they queue on the listening socket while the workers boot, so they land
on cold workers), and counts the workers that died: "Worker (pid:...) was sent SIGSEGV!" (or
any other signal / exit) in gunicorn's log. PYTHONFAULTHANDLER=1 is set, so a crashing worker
writes its Python stacks to that log; the logs of starts that crashed are kept in
.stress/crashes/. With --core, workers may dump core (RLIMIT_CORE unlimited; the files are
moved to .stress/cores-kept/ for gdb).

--python runs the server under another interpreter: a venv for it is made in .stress/ with the
project installed (and pysqlite3-binary when --sqlite pysqlite3 is asked).
"""

import argparse
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / ".stress"
HERE = Path(__file__).resolve().parent

# Words of the generated archive (masterclass/generate.py) and a few that match little or nothing,
# so queries differ (the page cache keeps a page per query: each new one is a real FTS5 search).
WORDS = ["aider", "financer", "accompagner", "recruter", "former", "loger", "soigner", "écouter",
         "informer", "rénover", "soutenir", "orienter", "entreprise", "jeune", "créateur",
         "association", "quartier", "habitants", "commerce", "proximité", "mission", "locale",
         "écoles", "bailleur", "social", "mairie", "familles", "chantier", "insertion", "budget",
         "partenaires", "moyens", "difficile", "développement", "économique", "emploi", "logement",
         "santé", "éducation", "mobilité", "culture", "sécurité", "environnement", "jeunesse",
         "numérique", "maison", "professionnel", "conseillers", "citoyens", "concrets", "thème",
         "anzin", "valenciennes", "denain", "lille", "calais", "arras", "amiens", "zorglub"]


def log(message: str) -> None:
    print(message, flush=True)


def venv_python(python: str, sqlite: str) -> Path:
    """The interpreter to run the server with: this one, or a venv made for another."""
    if not python:
        here = Path(sys.executable)
        if sqlite == "pysqlite3":
            subprocess.run([str(here), "-m", "pip", "install", "-q", "pysqlite3-binary"], check=True)
        return here
    version = subprocess.run([python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    venv = WORK / f"venv-{version}"
    bin_python = venv / "bin" / "python"
    if not (venv / ".installed").exists():
        log(f"making {venv} with the project installed")
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(bin_python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        "-e", str(ROOT)], check=True)
        (venv / ".installed").touch()
    if sqlite == "pysqlite3":
        subprocess.run([str(bin_python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        "pysqlite3-binary"], check=True)
    return bin_python


def project_env(db: Path) -> dict:
    return {"MASTERCLASS_DATABASE_URL": f"sqlite:///{db}",
            "MASTERCLASS_UPLOAD_DIR": str(db.parent / "fiches"),
            "MASTERCLASS_SECRET_KEY": "stress-secret",
            "MASTERCLASS_SESSION_COOKIE_SECURE": "false"}


def archive(python: Path, seances: int, questions: int) -> Path:
    db = WORK / f"archive-{seances}-{questions}.db"
    if db.exists():
        return db
    partial = db.with_name(db.name + ".partial")
    for leftover in WORK.glob(partial.name + "*"):
        leftover.unlink()
    env = {**os.environ, **project_env(partial)}
    flask = [str(python), "-m", "flask", "--app", "masterclass"]
    log(f"generating {seances} séances / {questions} questions into {db} (once)")
    started = time.monotonic()
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "generate-archive", "--seances", str(seances), "--questions", str(questions)],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    import sqlite3

    with sqlite3.connect(partial) as conn:  # fold the WAL in, so the copy is one file
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode = DELETE")
    partial.replace(db)
    log(f"  done in {time.monotonic() - started:.0f} s")
    return db


def queries(rng: random.Random, count: int) -> list[str]:
    paths = []
    for _ in range(count):
        words = " ".join(rng.sample(WORDS, rng.randint(1, 3)))
        params = {"q": words}
        if rng.random() < 0.3:
            params.update(type=rng.choice(["questions", "seances", "fiches"]), page=rng.randint(1, 5))
        paths.append("/recherche?" + urllib.parse.urlencode(params))
    return paths


def get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            return str(response.status)
    except urllib.error.HTTPError as error:
        return str(error.code)
    except Exception as error:  # noqa: BLE001 - a crashed worker drops its connections
        return type(error).__name__


def wait_listening(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited at start")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RuntimeError("gunicorn did not listen")


DEATH = re.compile(r"Worker \(pid:(\d+)\) (was sent (\w+)|exited with code (-?\d+))")


def one_start(n: int, args, python: Path, db: Path, env: dict) -> dict:
    log_path = WORK / f"run-{args.port}.log"  # one per port: configurations may run side by side
    cores = WORK / f"cores-{args.port}"
    cores.mkdir(exist_ok=True)
    with open(log_path, "w") as log_file:
        process = subprocess.Popen(
            [str(python), "-m", "gunicorn", "--workers", str(args.workers), "--threads", str(args.threads),
             "--bind", f"127.0.0.1:{args.port}", "--pythonpath", f"{HERE},{ROOT}",
             "--graceful-timeout", "5", "stress_wsgi:app"],
            cwd=cores if args.core else ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            preexec_fn=(lambda: resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY,) * 2))
            if args.core else None)
    try:
        wait_listening(args.port, process)
        rng = random.Random(n * 7919 + os.getpid())
        paths = queries(rng, args.requests)
        base = f"http://127.0.0.1:{args.port}"
        with ThreadPoolExecutor(args.clients) as pool:
            statuses = list(pool.map(lambda p: get(base + p), paths))
        time.sleep(0.3)  # let the master reap a worker that died with the last request
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    text = log_path.read_text(errors="replace")
    deaths = [m.group(0) for m in DEATH.finditer(text)]
    # SIGTERM at shutdown is ours; anything else (SIGSEGV, SIGABRT, an exit code) is a crash.
    crashes = [d for d in deaths if "SIGTERM" not in d and "exited with code 0" not in d]
    counts = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    result = {"start": n, "crashes": len(crashes), "deaths": crashes, "statuses": counts,
              "fatal": "Fatal Python error" in text}
    if crashes or result["fatal"]:
        keep = WORK / "crashes"
        keep.mkdir(exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        shutil.copy(log_path, keep / f"{args.label}-{stamp}-start{n}.log")
        result["log"] = str(keep / f"{args.label}-{stamp}-start{n}.log")
    if args.core:
        for core in cores.glob("core*"):
            dest = WORK / "cores-kept"
            dest.mkdir(exist_ok=True)
            core.rename(dest / f"{args.label}-start{n}-{core.name}")
            result.setdefault("cores", []).append(str(dest / f"{args.label}-start{n}-{core.name}"))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--starts", type=int, default=30)
    parser.add_argument("--python", default="", help="interpreter for the server (default: this one)")
    parser.add_argument("--no-lock", action="store_true", help="without the search's FTS5 lock")
    parser.add_argument("--sqlite", choices=["system", "pysqlite3"], default="system")
    parser.add_argument("--port", type=int, default=5800)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--requests", type=int, default=96, help="searches per start")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--seances", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the server")
    parser.add_argument("--core", action="store_true", help="let crashing workers dump core")
    parser.add_argument("--label", default="", help="name of this configuration in the output")
    args = parser.parse_args()

    WORK.mkdir(exist_ok=True)
    # Stopped from outside: the finally of the current start still stops its gunicorn.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    python = venv_python(args.python, args.sqlite)
    db = archive(python, args.seances, args.questions)
    version = subprocess.run(
        [str(python), "-c", "import sys, os; sys.path.insert(0, '.');"
         "m = __import__('pysqlite3' if os.environ.get('FTS_STRESS_SQLITE') == 'pysqlite3' else 'sqlite3');"
         "print('Python %d.%d.%d' % sys.version_info[:3], 'SQLite', m.sqlite_version)"],
        capture_output=True, text=True, check=True, env={**os.environ, "FTS_STRESS_SQLITE": args.sqlite},
    ).stdout.strip()
    args.label = args.label or "-".join(
        [version.replace(" ", ""), "nolock" if args.no_lock else "lock", args.sqlite])
    env = {**os.environ, **project_env(db), "PYTHONFAULTHANDLER": "1", "FTS_STRESS_SQLITE": args.sqlite,
           "FTS_STRESS_NO_LOCK": "1" if args.no_lock else "0"}
    env.update(item.split("=", 1) for item in args.env)
    log(f"{version}; lock {'off' if args.no_lock else 'on'}; {args.workers} workers x {args.threads} "
        f"threads; {args.requests} searches per start from {args.clients} clients; load "
        f"{os.getloadavg()[0]:.2f}")
    crashed_starts = 0
    for n in range(1, args.starts + 1):
        result = one_start(n, args, python, db, env)
        crashed_starts += bool(result["crashes"] or result["fatal"])
        log(json.dumps(result, ensure_ascii=False))
    summary = {"configuration": args.label, "extra_env": args.env, "starts": args.starts,
               "starts_with_crash": crashed_starts, "load_at_end": round(os.getloadavg()[0], 2)}
    log("SUMMARY " + json.dumps(summary, ensure_ascii=False))
    with open(WORK / "results.jsonl", "a") as results:
        results.write(json.dumps(summary, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
