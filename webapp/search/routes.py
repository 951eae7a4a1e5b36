"""The header search box: one query over households, persons and cases of the user's area."""
from flask import redirect, render_template, request
from flask_login import current_user, login_required

from ..extensions import db
from ..landing import RECORD_ROLES, landing_url
from ..services import audit
from ..services.casework import search as search_service
from . import bp


@bp.route("/")
@login_required
def results():
    """Masked results; each opens its record through the record's own (audited) page."""
    if current_user.role not in RECORD_ROLES:
        return redirect(landing_url(current_user))
    text = request.args.get("q", "")
    found = search_service.search(current_user, text)
    if found.text:
        # Who looked for whom is part of the personal-data trail, like opening a record.
        audit.record(current_user, "search", "search", None, detail=f"{found.kind}:{found.text}")
        db.session.commit()
    case_of = search_service.latest_case_ids(current_user, [h.id for h in found.households])
    return render_template("search/results.html", found=found, case_of=case_of)


@bp.app_template_filter("masked_phone")
def masked_phone(phone):
    """A phone number with its middle hidden (138****5678), as ID numbers are in lists."""
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
