"""The participant page's weight as a phone's Chromium loads it."""

import gzip

from common import SLUG


def weight(base: str) -> dict:
    from playwright.sync_api import sync_playwright

    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        page = browser.new_page(viewport={"width": 360, "height": 740})
        responses = []
        page.on("requestfinished", lambda r: responses.append(r))
        page.goto(base + f"/seances/{SLUG}/questions")
        page.wait_for_load_state("networkidle")
        decoded = served = as_proxy = 0
        hosts = set()
        for request in responses:
            response = request.response()
            body = response.body()
            size = request.sizes()["responseBodySize"]
            decoded += len(body)
            served += size
            is_html = "text/html" in (response.headers.get("content-type") or "")
            as_proxy += len(gzip.compress(body, 6)) if is_html else size
            hosts.add(request.url.split("/")[2])
        browser.close()
    return {"requests": len(responses), "uncompressed": decoded, "served": served,
            "with_proxy_gzip": as_proxy, "hosts": sorted(hosts)}
