"""The room: 1,000 phones polling with their own cookies, asking and voting, a moderator approving;
every write a phone was told succeeded is looked for in the database afterwards."""

import asyncio
import json
import random
import re
import statistics
import time
from pathlib import Path

from common import CLIENT_KEEPALIVE_S, HTMX, MODERATOR, SLUG, query


async def room(base: str, db: Path, phones: int = 1000, seconds: int = 60, questions_per_s: float = 10,
               votes_per_s: float = 20, approve_every: float = 2, sample=None) -> dict:
    """A live séance: every phone polls its live list every 2 s with its own cookies (as htmx
    does: If-None-Match), asks, and votes (as htmx does: the toggle comes back with aria-pressed);
    a moderator approves the oldest pending question every ``approve_every`` s. Every write a
    phone was told succeeded is then looked for in the database."""
    import aiohttp

    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=CLIENT_KEEPALIVE_S)
    timeout = aiohttp.ClientTimeout(total=30)
    page = f"/seances/{SLUG}/questions"
    latencies = {"poll": [], "question": [], "vote": [], "approval": []}
    errors, acknowledged, vote_acks, statuses = [], [], [], {}
    pressed = {}  # (phone token, question id) -> what the phone was last told

    async def session():
        return aiohttp.ClientSession(base, connector=connector, connector_owner=False, timeout=timeout,
                                     cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def open_phone(i):
        await asyncio.sleep(i * 10 / phones)  # people arrive over ten seconds
        client = await session()
        async with client.get(page) as response:
            body = await response.text()
        token = json.loads(re.search(r"hx-headers='(\{[^']*\})'", body).group(1))["X-CSRFToken"]
        cookie = next(c.value for c in client.cookie_jar if c.key == "masterclass_participant")
        return {"client": client, "token": token, "etag": None, "lock": asyncio.Lock(), "id": cookie}

    async def timed(kind, call):
        start = time.perf_counter()
        try:
            status = await call()
        except Exception as error:  # noqa: BLE001 - every failure counts
            errors.append(f"{kind}: {error!r}")
            return None
        latencies[kind].append((time.perf_counter() - start) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
        if status >= 400:
            errors.append(f"{kind}: HTTP {status}")
        return status

    async def poll_loop(phone, stop):
        await asyncio.sleep(random.random() * 2)
        while time.monotonic() < stop:
            async def call():
                headers = dict(HTMX)
                if phone["etag"]:
                    headers["If-None-Match"] = phone["etag"]
                async with phone["client"].get(page + "/live", headers=headers) as response:
                    await response.read()
                    if response.status == 200:
                        phone["etag"] = response.headers.get("ETag")
                    return response.status
            await timed("poll", call)
            await asyncio.sleep(2)

    async def ask(phone, n):
        async def call():
            data = {"body": f"Question de la salle n°{n} : comment aider les jeunes ?",
                    "csrf_token": phone["token"]}
            async with phone["client"].post(page, data=data, allow_redirects=False) as response:
                await response.read()
                if response.status == 303:
                    acknowledged.append(n)
                return response.status
        async with phone["lock"]:  # a person sends one thing at a time
            await timed("question", call)

    async def vote(phone, question_id):
        async def call():
            async with phone["client"].post(f"/questions/{question_id}/vote", allow_redirects=False,
                                            headers=HTMX,
                                            data={"csrf_token": phone["token"]}) as response:
                body = await response.text()
                if response.status == 200:
                    pressed[(phone["id"], question_id)] = 'aria-pressed="true"' in body
                    vote_acks.append(question_id)
                return response.status
        async with phone["lock"]:
            await timed("vote", call)

    async def moderator(stop):
        client = await session()
        async with client.get("/connexion") as response:
            token = json.loads(re.search(r"hx-headers='(\{[^']*\})'", await response.text()).group(1))
        async with client.post("/connexion", allow_redirects=False, data={
                "email": MODERATOR[0], "password": MODERATOR[1],
                "csrf_token": token["X-CSRFToken"]}) as response:
            assert response.status == 302, response.status
        async with client.get("/moderation/") as response:
            token = json.loads(re.search(r"hx-headers='(\{[^']*\})'", await response.text()).group(1))
        while time.monotonic() < stop:
            await asyncio.sleep(approve_every)
            rows = query(db, "SELECT id FROM question WHERE status = 'pending' ORDER BY id LIMIT 1")
            row = rows[0] if rows else None
            if row:
                async def call():
                    async with client.post(f"/moderation/questions/{row[0]}/statut", allow_redirects=False,
                                           data={"status": "approved", "csrf_token": token["X-CSRFToken"]}) as r:
                        await r.read()
                        return r.status
                await timed("approval", call)
        await client.close()

    async def every(rate, stop, act):
        n, started = 0, time.monotonic()
        while time.monotonic() < stop:
            act(n)
            n += 1
            await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
        return n

    async def sampler(stop):
        while sample and time.monotonic() < stop:
            sample()
            await asyncio.sleep(10)

    room_phones = await asyncio.gather(*(open_phone(i) for i in range(phones)))
    seance_id = query(db, "SELECT id FROM seance WHERE slug = :slug", slug=SLUG)[0][0]
    public = [r[0] for r in query(db, "SELECT id FROM question WHERE seance_id = :s AND status = 'approved'",
                                  s=seance_id)]
    count_gap_sql = ("SELECT id, votes_count - (SELECT count(*) FROM vote v WHERE v.question_id = q.id) "
                     "FROM question q WHERE q.seance_id = :s")
    gaps = dict(query(db, count_gap_sql, s=seance_id))  # the demo's counts were made without vote rows
    stop = time.monotonic() + seconds
    tasks = [asyncio.create_task(poll_loop(p, stop)) for p in room_phones]
    tasks += [asyncio.create_task(moderator(stop)), asyncio.create_task(sampler(stop))]

    def spawn(coroutine):
        tasks.append(asyncio.create_task(coroutine))

    asked, voted = await asyncio.gather(
        every(questions_per_s, stop, lambda n: spawn(ask(random.choice(room_phones), n))),
        every(votes_per_s, stop, lambda n: spawn(vote(random.choice(room_phones), random.choice(public)))))
    await asyncio.gather(*tasks)
    for phone in room_phones:
        await phone["client"].close()
    await connector.close()
    stored = query(db, "SELECT count(*) FROM question WHERE body LIKE 'Question de la salle n°%'")[0][0]
    votes = set(query(db, "SELECT p.token, v.question_id FROM vote v JOIN participant p ON p.id = v.participant_id"))
    miscounted = sum(1 for qid, gap in query(db, count_gap_sql, s=seance_id) if gap != gaps.get(qid, 0))
    lost_votes = sum(1 for key, on in pressed.items() if on != (key in votes))
    every_latency = sorted(x for values in latencies.values() for x in values)

    def p99(values):
        values = sorted(values)
        return values[max(0, int(len(values) * 0.99) - 1)] if values else 0.0

    return {"phones": phones, "seconds": seconds, "requests": len(every_latency), "errors": errors,
            "statuses": statuses, "asked": asked, "acknowledged": len(acknowledged), "stored": stored,
            "votes_sent": voted, "votes_acknowledged": len(vote_acks),
            "votes_lost": lost_votes, "miscounted": miscounted,
            "p50": statistics.median(every_latency), "p99": p99(every_latency),
            **{f"{kind}_p99": p99(values) for kind, values in latencies.items()}}
