"""Where the rendering of the work pages' templates goes: my tasks and the visit task page.

    .venv/bin/python bench/profile_render.py [--rounds 200] [--profile] [--dump DIR]
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python bench/profile_render.py

The database is WIPED (PostgreSQL) or a temporary file (SQLite), seeded as bench/inbox_pages.py
seeds it. A village assistant and the township user read their pages in both interface languages
(my tasks, the team tab, a visit task page), taking turns. Prints per page the thread CPU of the
whole request in the app and of ``render_template`` alone (p50, min); ``--profile`` adds a
cProfile of the rendering only; ``--dump DIR`` writes each page's HTML (CSRF tokens and moments blanked) so
two checkouts' pages can be compared with ``diff -r``. It is not a test.
"""
import argparse
import cProfile
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bench.common import scratch_app  # noqa: E402
from bench.inbox_pages import login, seed  # noqa: E402
from bench.profile_requests import print_profile  # noqa: E402

TOKEN = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+(")')
MOMENT = re.compile(r"\d{4}-\d\d-\d\d( \d\d:\d\d)?")  # seeded at the wall clock's time


def pages(app, village):
    """(name, client, url) of each page measured, in both languages."""
    village_client, township_client = login(app, village), login(app, "township")
    first = re.search(r'data-task="(\d+)"', village_client.get("/inbox").get_data(as_text=True)).group(1)
    listed = [("village_mine", village_client, "/inbox"), ("village_visit", village_client, f"/inbox/tasks/{first}"),
              ("township_team", township_client, "/inbox?view=team"), ("township_mine", township_client, "/inbox")]
    out = []
    for language in ("zh_Hans_CN", "en"):
        for name, client, url in listed:
            out.append((f"{name}_{language}", language, client, url))
    return out


def switch(client, language):
    """Set ``client``'s interface language (the header's language buttons)."""
    page = client.get("/inbox").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post(f"/language/{language}", data={"csrf_token": token, "next": "/inbox"}).status_code == 302


def main():
    """Seed, then time the pages in turns."""
    import flask.templating

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="cProfile of render_template only")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--own", action="store_true")
    parser.add_argument("--dump", help="write each page's HTML (tokens and moments blanked) into this folder")
    args = parser.parse_args()
    app = scratch_app("render")
    village = seed(app)
    inner, spent = app.wsgi_app, {"app": 0.0, "render": 0.0}
    profile = cProfile.Profile(time.thread_time) if args.profile else None
    plain_render = flask.templating._render

    def timed_render(*a, **kw):
        started = time.thread_time()
        if profile:
            profile.enable()
        try:
            return plain_render(*a, **kw)
        finally:
            if profile:
                profile.disable()
            spent["render"] += (time.thread_time() - started) * 1000

    def measured(environ, start_response):
        started = time.thread_time()
        try:
            return list(inner(environ, start_response))
        finally:
            spent["app"] = (time.thread_time() - started) * 1000

    flask.templating._render = timed_render
    app.wsgi_app = measured
    listed = pages(app, village)
    current = {}
    results = {name: ([], []) for name, _language, _client, _url in listed}

    def visit(name, language, client, url):
        if current.get(id(client)) != language:
            switch(client, language)
            current[id(client)] = language
        spent["render"] = 0.0
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        return response.get_data(as_text=True)

    for name, language, client, url in listed:  # warm-up, and the pages written out
        html = visit(name, language, client, url)
        if args.dump:
            os.makedirs(args.dump, exist_ok=True)
            with open(os.path.join(args.dump, name + ".html"), "w") as handle:
                handle.write(MOMENT.sub("<moment>", TOKEN.sub(r"\1-\2", html)))
    if profile:
        profile = cProfile.Profile(time.thread_time)
    for _ in range(args.rounds):
        for name, language, client, url in listed:
            visit(name, language, client, url)
            results[name][0].append(spent["app"])
            results[name][1].append(spent["render"])
    for name, (app_ms, render_ms) in results.items():
        print(f"{name:26s} app cpu p50 {statistics.median(app_ms):6.2f} min {min(app_ms):6.2f} ms   "
              f"render p50 {statistics.median(render_ms):6.2f} min {min(render_ms):6.2f} ms")
    if profile:
        print_profile(profile, args.top, args.own)


if __name__ == "__main__":
    main()
