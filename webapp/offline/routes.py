"""The offline app's shell, service worker, manifest and JSON API (sync, package, salt)."""
import os
from functools import wraps

from flask import abort, current_app, jsonify, render_template, request, send_from_directory
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ..extensions import db
from ..changes.forms import ChangeRequestForm
from ..inbox.forms import VisitForm
from ..inbox.survey_pages import SurveyDoneForm
from ..inbox.registration_forms import PersonRegistrationForm
from ..infra import login_throttle
from ..services import audit
from ..services.casework import offline
from . import bp, entries, survey_entries

STATIC = os.path.join(os.path.dirname(os.path.dirname(__file__)), "static", "offline")


def assistant_api(view):
    """JSON views for village assistants: 401/403 as JSON (the phone shows them, no redirect)."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return jsonify(status="login", message="login required"), 401
        if current_user.role != "village":
            return jsonify(status="forbidden"), 403
        return view(*args, **kwargs)
    return wrapped


@bp.route("/offline/")
def app_shell():
    """The app's one page (cached by the service worker; holds no personal data: the phone
    fills it from its encrypted store)."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.role != "village":
        abort(403)
    person_form = PersonRegistrationForm(meta={"csrf": False}, prefix="")
    visit_form = VisitForm(meta={"csrf": False}, prefix="visit")  # ids apart from the person form's
    # The survey's change form: the registry page's own, ids apart from the registration form's.
    change_form = ChangeRequestForm(meta={"csrf": False}, prefix=survey_entries.CHANGE_PREFIX)
    response = current_app.make_response(render_template("offline/app.html", form=person_form,
                                                         visit_form=visit_form, change_form=change_form,
                                                         survey_form=SurveyDoneForm(meta={"csrf": False})))
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/offline/sw.js")
def service_worker():
    """The service worker, a static file served from /offline/ so that its scope is the app."""
    response = send_from_directory(STATIC, "sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/offline/manifest.webmanifest")
def manifest():
    """The web app manifest (installing the visit pages on the home screen)."""
    return send_from_directory(STATIC, "manifest.webmanifest", mimetype="application/manifest+json", max_age=0)


@bp.route("/offline/salt")
def salt():
    """The per-user salt and round count for deriving the phone's storage key (no log-in: the
    log-in page derives the key as the password is typed; unknown names get a salt too)."""
    return jsonify(salt=offline.salt_for(request.args.get("u", "")[:64]),
                   iterations=current_app.config["OFFLINE_PBKDF2_ITERATIONS"])


@bp.route("/offline/api/session")
@assistant_api
def session_info():
    """Who is logged in, and a fresh CSRF token for the sync requests."""
    return jsonify(user_id=current_user.id, username=current_user.username, csrf_token=generate_csrf())


@bp.route("/offline/api/package")
@assistant_api
def package():
    """下载今日任务: the assistant's visits with households, members, forms and return reasons."""
    data = offline.package_for(current_user)
    db.session.commit()
    response = jsonify(data)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/offline/api/sync", methods=["POST"])
@assistant_api
def sync():
    """Apply queued forms and visit completions, each idempotent by its key and committed on its
    own: ``{"items": [...], "queue_length": n}`` (at most BATCH items; a single item without the
    list is accepted too). Answers the results in order; the phone stops at the first failure."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return jsonify(status="refused", message="bad request"), 400
    items = payload.get("items")
    if items is None:
        return _one(payload, payload.get("queue_length"))
    if not isinstance(items, list) or not 0 < len(items) <= BATCH:
        return jsonify(status="refused", message="bad request"), 400
    results = []
    for item in items:
        answer = _one(item if isinstance(item, dict) else {}, payload.get("queue_length"))
        results.append(answer.get_json())
        if answer.status_code != 200:
            break
    return jsonify(results=results)


BATCH = 25


def _apply(kind, row, user, data):
    """One entry through the online pages' checks: a visit's (entries.py) or a survey's (survey_entries.py)."""
    if kind in survey_entries.KINDS:
        return survey_entries.apply(kind, row, user, data)
    return entries.apply(kind, row, user, data)


def _one(payload, queue_length):
    try:
        key = offline.check_key(payload.get("key"))
        done = offline.receipt(key)
        if done is not None:
            # The queue length still counts: the phone reports on every sync, replays included.
            offline.report_queue(current_user, queue_length)
            db.session.commit()
            return jsonify(done)
        result = offline.sync_one(current_user, payload, _apply)
    except offline.SyncRefused as err:
        db.session.rollback()
        return jsonify(status="refused", message=str(err)), 400
    offline.report_queue(current_user, queue_length)
    earlier = offline.commit_once(key)
    return jsonify(earlier or result)


@bp.route("/offline/api/unlock", methods=["POST"])
@assistant_api
def unlock():
    """Check the password before the phone derives a key for a store it has not made yet (an
    existing store checks the password itself, offline). Failures count as failed log-ins."""
    payload = request.get_json(silent=True) or {}
    if login_throttle.lock_for(current_user.username, request.remote_addr) is not None:
        return jsonify(status="locked"), 429
    if not current_user.check_password(str(payload.get("password", ""))):
        audit.record(current_user, "offline_unlock_failed", "user", current_user.id)
        login_throttle.record_failure(current_user, current_user.username, request.remote_addr)
        db.session.commit()
        return jsonify(status="wrong"), 403
    return jsonify(status="done")


@bp.route("/offline/api/report", methods=["POST"])
@assistant_api
def report():
    """The phone's queue length, reported at each sync even when there is nothing to send."""
    payload = request.get_json(silent=True) or {}
    offline.report_queue(current_user, payload.get("queue_length"))
    db.session.commit()
    return jsonify(status="done")
