"""Showing one full ID number on request: intake pages list IDs masked, and a "show" button
posts here (with its CSRF token); the full number is shown for that one record and the
showing is written to the audit log.

Registered on the intake blueprint (imported at the end of ``routes``). Each kind of record
is looked up under the same rule as the page that lists it: problems by the area scope,
candidates by county for operators, validation issues through their batch.
"""
from flask import abort, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..idnumber import ISSUE_CODES, mask_id, mask_ids_in_text
from ..models import LinkageCandidate, ProblemRecord, ValidationIssue
from ..redirects import safe_next
from ..services import audit, scoping
from . import bp
from .routes import OPERATORS, STAFF, UPLOADERS, batch_or_404


def _problem(record_id):
    if current_user.role not in STAFF:
        abort(403)
    record = scoping.get_or_404(ProblemRecord, record_id, current_user)
    return "problem_record", [(_("公民身份号码"), record.id_number or record.id_raw or "")], record.name


def _candidate(record_id):
    if current_user.role not in OPERATORS:
        abort(403)
    candidate = db.session.get(LinkageCandidate, record_id)
    if not scoping.in_county(candidate, current_user):
        abort(404)
    return "linkage_candidate", [(_("无效身份证号"), candidate.id_raw),
                                 (_("可能是"), candidate.candidate_id_number)], candidate.name


def _issue(record_id):
    if current_user.role not in UPLOADERS + ("supervisor",):
        abort(403)
    issue = db.session.get(ValidationIssue, record_id)
    if issue is None:
        abort(404)
    batch_or_404(issue.batch_id)
    return "validation_issue", [(_("值"), issue.value or "")], None


KINDS = {"problem": _problem, "candidate": _candidate, "issue": _issue}


@bp.app_template_global()
def id_columns(batch) -> set:
    """The headers of ``batch``'s file that hold ID numbers."""
    return {header for header, field in (batch.mapping or {}).items() if field == "id_number"}


@bp.app_template_global()
def issue_value(issue, id_headers) -> str:
    """A validation issue's value as a list shows it: masked when it is (or may quote) an ID."""
    if issue.code in ISSUE_CODES or issue.column_name in id_headers:
        return mask_id(issue.value)
    return mask_ids_in_text(issue.value)


@bp.route("/reveal/<kind>/<int:record_id>", methods=["POST"])
@login_required
def reveal_id(kind, record_id):
    """Show the full ID number(s) of one record, and audit that it was shown."""
    if kind not in KINDS:
        abort(404)
    object_type, values, name = KINDS[kind](record_id)
    audit.record(current_user, "reveal_id", object_type, record_id)
    db.session.commit()
    back = safe_next(request.form.get("next"), "intake.index")
    response = make_response(render_template("intake/reveal.html", values=values, name=name, back=back))
    response.headers["Cache-Control"] = "no-store"  # the full number stays out of caches
    return response
