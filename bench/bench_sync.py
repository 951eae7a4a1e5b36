"""Offline sync: 50 queued registration forms, one photo each, sent as the phone sends them.

    .venv/bin/python bench/bench_sync.py [--forms 50] [--photo-kb 280]
    DATABASE_URL=postgresql://... .venv/bin/python bench/bench_sync.py   # the database is WIPED

A demo county is seeded, visits are distributed to village1 until their households hold enough
people, and the app is served by werkzeug on 127.0.0.1 (a local connection). Then, like the
phone's sync (webapp/static/offline/sync.js): one session request, a photo upload per person
(a ~264 KB camera JPEG, the size the phone compresses to), then the forms in batches of 25, each
entry with its idempotency key, then the queue report. Prints the total and per-request figures, and a replay of everything (must change
nothing). Target: the whole sync within 10 s. It is not a test.
"""
import argparse
import http.cookiejar
import io
import json
import os
import statistics
import sys
import threading
import time
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "bench"))


def _prepare(app, forms):
    from webapp.cli import deploy_shipped_diagrams
    from webapp.extensions import db
    from webapp.models import Case, InboxTask, User
    from webapp.services.casework import cases, offline, tasks
    from webapp.synthetic import demo

    with app.app_context():
        deploy_shipped_diagrams()
        demo.seed(households=max(60, forms), villages_with_staff=2)
        db.session.commit()
        township = User.query.filter_by(username="township").one()
        visitor = User.query.filter_by(username="village1").one()
        people = 0
        for case in Case.query.filter_by(kind="registration").order_by(Case.id):
            row = InboxTask.query.filter_by(case_id=case.id, task_name="assign_household", state="ready").one_or_none()
            if row is None or case.household is None or not case.household.persons:
                continue
            cases.claim(row, township)
            tasks.assign_household(row, township, visitor.area.code, visitor.id)
            db.session.commit()
            people += len(case.household.persons)
            if people >= forms:
                break
        package = offline.package_for(visitor)
        db.session.commit()
        queue = []
        for visit in package["visits"]:
            for member in visit["members"]:
                queue.append((visit, member))
        return queue[:forms]


def _photo(kb):
    from PIL import Image

    image = Image.effect_noise((1100, 800), 30).convert("RGB")
    for quality in (90, 80, 70, 60, 50, 40):
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality)
        if out.tell() <= kb * 1024:
            return out.getvalue()
    return out.getvalue()


def _form(member):
    return {"person_id": str(member["person_id"]), "name": member["name"], "id_number": member["id_number"],
            "sex": "", "ethnicity": "汉族", "relation_to_head": member["relation_to_head"] or "户主",
            "household_type": "agricultural", "status": "normal", "medical_scheme": "resident_medical",
            "medical_where": "local", "outcome_code": "willing", "policy_explained": True, "signature": "signed",
            # the phone sends every field of the form, empty ones included (as a browser posts a form)
            "pension_scheme": "", "pension_where": "", "uninsured_reason": "", "willing_to_enroll": "",
            "willing_scheme": ""}


def _multipart(fields, photo):
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.jpg"\r\n'
                 f'Content-Type: image/jpeg\r\n\r\n'.encode() + photo + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--forms", type=int, default=50)
    parser.add_argument("--photo-kb", type=int, default=280)
    args = parser.parse_args()
    from werkzeug.serving import make_server

    from common import backend_name, scratch_app

    app = scratch_app("sync")
    queue = _prepare(app, args.forms)
    photo = _photo(args.photo_kb)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def call(path, body=None, content_type=None, csrf=None):
        request = urllib.request.Request(base + path, data=body, method="POST" if body is not None else "GET")
        if content_type:
            request.add_header("Content-Type", content_type)
        if csrf:
            request.add_header("X-CSRFToken", csrf)
        with opener.open(request) as response:
            return response.read()

    import re
    page = call("/login").decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = f"csrf_token={token}&username=village1&password=demo1234".encode()
    call("/login", body, "application/x-www-form-urlencoded")

    items = []
    for visit, member in queue:
        items.append(("photo", visit, {"key": uuid.uuid4().hex, "task_id": visit["task_id"],
                                       "id_number": member["id_number"], "kind": "id_front"}))
        items.append(("form", visit, {"key": uuid.uuid4().hex, "kind": "form", "task_id": visit["task_id"],
                                      "version": visit["version"], "data": _form(member)}))

    def sync():
        """As sync.js does it: the photos one by one, then the forms in batches of 25."""
        timings = {"photo": [], "batch": []}
        statuses = []
        csrf = json.loads(call("/offline/api/session"))["csrf_token"]
        forms = [payload for kind, _visit, payload in items if kind == "form"]
        for kind, _visit, payload in items:
            if kind != "photo":
                continue
            start = time.perf_counter()
            body, content_type = _multipart(payload, photo)
            statuses.append(json.loads(call("/offline/api/photo", body, content_type, csrf)).get("status"))
            timings["photo"].append(time.perf_counter() - start)
        for first in range(0, len(forms), 25):
            start = time.perf_counter()
            batch = {"items": forms[first:first + 25], "queue_length": len(forms) - first}
            answer = json.loads(call("/offline/api/sync", json.dumps(batch).encode(), "application/json", csrf))
            statuses.extend(r.get("status") for r in answer["results"])
            timings["batch"].append(time.perf_counter() - start)
        for status in set(statuses) - {"done"}:
            print("not done:", status)
        call("/offline/api/report", b'{"queue_length": 0}', "application/json", csrf)
        return timings, statuses

    start = time.perf_counter()
    timings, statuses = sync()
    total = time.perf_counter() - start
    replay_start = time.perf_counter()
    _replayed, replay_statuses = sync()
    replay = time.perf_counter() - replay_start
    server.shutdown()

    from webapp.extensions import db
    from webapp.models import DocumentPhoto, RegistrationForm
    with app.app_context():
        forms_stored = db.session.query(RegistrationForm).count()
        photos_stored = db.session.query(DocumentPhoto).count()
    ms = lambda xs: f"median {statistics.median(xs) * 1000:.0f} ms, max {max(xs) * 1000:.0f} ms"  # noqa: E731
    print(f"backend: {backend_name(app)}; {len(queue)} forms + {len(queue)} photos of {len(photo) // 1024} KB")
    print(f"sync: {total:.2f} s total ({'within' if total <= 10 else 'OVER'} the 10 s target); "
          f"statuses {sorted(set(statuses))}")
    print(f"  photo uploads: {ms(timings['photo'])}")
    per_form = sum(timings["batch"]) / max(1, len(queue))
    print(f"  form batches of 25: {ms(timings['batch'])} ({per_form * 1000:.0f} ms a form)")
    print(f"replay of the same keys: {replay:.2f} s; statuses {sorted(set(replay_statuses))}; "
          f"stored forms {forms_stored}, photos {photos_stored} (unchanged by the replay)")


if __name__ == "__main__":
    main()
