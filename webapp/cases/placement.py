"""The county's 待定位 queue: households whose address matched no village."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..attempts import attempt
from ..auth.decorators import roles_required
from ..models import Case
from ..services.casework import placement
from ..services import scoping
from ..services.casework.tasks import TaskRefused
from . import bp


@bp.route("/unplaced")
@roles_required(*placement.PLACING_ROLES)
def unplaced():
    """Cases waiting to be placed in a village."""
    page = request.args.get("page", 1, type=int)
    pagination = placement.unplaced_cases(current_user).paginate(
        page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("cases/unplaced.html", pagination=pagination,
                           villages=placement.villages_of_county(scoping.user_county(current_user)))


@bp.route("/<int:case_id>/place", methods=["POST"])
@roles_required(*placement.PLACING_ROLES)
def place(case_id):
    """Place one case in the chosen village; it then goes to that township's pool."""
    case = scoping.get_case_or_404(case_id, current_user)
    if not isinstance(case, Case):
        abort(404)
    with attempt(TaskRefused) as placed:
        village = placement.place_case(case, request.form.get("village_code", ""), current_user)
    if placed:
        flash(_("已将 %(case)s 定位到 %(village)s，转乡镇分配。", case=case.title, village=village.name), "success")
    return redirect(url_for("cases.unplaced"))
