"""Completeness pages (村不漏户、户不漏人、人不漏项): county, township and village lists of gaps,
explaining a household or person away, declaring a village complete, and the gaps as Excel."""
import time

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..attempts import attempt
from ..jobs import completeness as completeness_jobs

from ..exports import xlsx_response
from ..extensions import db
from ..labels import RECORD_FIELDS
from ..models import Area, CompletenessExclusion, Household, Person
from ..queues import enqueue
from ..services import audit
from ..services.campaign import completeness, completion, dashboard
from . import bp
from .forms import EmptyForm, ExclusionForm
from .labels import (COMPLETENESS_STATUS_LABELS, GAP_DETAIL_LABELS, GAP_LABELS, HOUSEHOLD_REASON_LABELS,
                     PERSON_REASON_LABELS)

FIELD_LABELS = {key: label for key, label, _codes in RECORD_FIELDS}
# Village staff see (and explain) their own village's gaps; the dashboard's roles see their area.
EXCLUDE_ROLES = ("village", "township")


def _area(code=None):
    """The area asked for, checked against the user: village staff only their own village."""
    if current_user.role == "village":
        home = current_user.area
        if code not in (None, home.code):
            abort(404)
        return home
    return dashboard.area_for(current_user, code)


def _village(code):
    village = _area(code)
    if village.level != "village":
        abort(404)
    return village


def _trail(area):
    trail, node = [], area
    while node is not None:
        trail.append(node)
        node = node.parent
    if current_user.role == "village":
        return [area]
    prefix = dashboard.scope_prefix(current_user)
    return [a for a in reversed(trail) if a.code.startswith(prefix)]


@bp.route("/completeness/")
@bp.route("/completeness/<code>")
@login_required
def completeness_page(code=None):
    """The completeness of an area: townships of a county, villages of a township, a village's gaps."""
    area = _area(code)
    common = {"area": area, "trail": _trail(area), "status_labels": COMPLETENESS_STATUS_LABELS}
    if area.level == "county":
        rows = completion.township_rows(area)
        return render_template("dashboard/completeness_list.html", rows=rows, **common)
    if area.level == "township":
        return render_template("dashboard/completeness_list.html", rows=completion.village_rows(area),
                               empty_form=EmptyForm(), **common)
    found = completion.check(area.county_code, [area.code])[area.code]
    kept = completion.declarations([area.code]).get(area.code)
    audit.record(current_user, "view_completeness", "area", area.code)
    db.session.commit()
    status = completion.status_of(completion.gaps_total(found.counts()), kept.declared_at if kept else None)
    return render_template("dashboard/completeness_village.html", found=found, kept=kept, status=status,
                           exclusions=completion.exclusions(area.code), form=_exclusion_form(),
                           empty_form=EmptyForm(), may_exclude=current_user.role in EXCLUDE_ROLES,
                           may_declare=current_user.role in completion.DECLARE_ROLES, gap_labels=GAP_LABELS,
                           detail_labels=GAP_DETAIL_LABELS, field_labels=FIELD_LABELS,
                           household_reasons=_texts(HOUSEHOLD_REASON_LABELS),
                           person_reasons=_texts(PERSON_REASON_LABELS),
                           **common)


def _texts(labels):
    # Translated once per page, not once per gap row (a village may list hundreds).
    return {key: str(label) for key, label in labels.items()}


def _exclusion_form():
    form = ExclusionForm()
    reasons = {**HOUSEHOLD_REASON_LABELS, **PERSON_REASON_LABELS}
    form.reason.choices = [("", _("（请选择）"))] + [(k, str(v)) for k, v in reasons.items()]
    return form


@bp.route("/completeness/<code>/recheck", methods=["POST"])
@login_required
def recheck(code):
    """Check every village of a township again, in a job (tens of thousands of people)."""
    township = _area(code)
    if township.level != "township" or not EmptyForm().validate_on_submit():
        abort(404)
    enqueue("default", completeness_jobs.recheck_township, township.code,
            job_id=f"completeness-recheck-{township.code}-{int(time.time() // 60)}")
    flash(_("已安排重新检查本乡镇各村(社区)，稍后刷新本页查看结果。"), "success")
    return redirect(url_for("dashboard.completeness_page", code=township.code))


@bp.route("/completeness/<code>/exclude", methods=["POST"])
@login_required
def exclude(code):
    """Record why a household (or one member) of the village is not to be registered."""
    village = _village(code)
    if current_user.role not in EXCLUDE_ROLES:
        abort(403)
    form = _exclusion_form()
    if not form.validate_on_submit():
        flash(_("请选择原因。"), "error")
        return redirect(url_for("dashboard.completeness_page", code=village.code))
    household = db.session.get(Household, form.household_id.data if form.household_id.data.isdigit() else 0)
    if household is None or household.village_code != village.code:
        abort(404)
    person = None
    if form.person_id.data:
        person = db.session.get(Person, int(form.person_id.data)) if form.person_id.data.isdigit() else None
        if person is None:
            abort(404)
    with attempt(completion.CompletenessRefused, done=_("已登记说明。")):
        completion.exclude(household, person, form.reason.data, form.note.data, current_user)
    return redirect(url_for("dashboard.completeness_page", code=village.code))


@bp.route("/completeness/<code>/exclusions/<int:exclusion_id>/withdraw", methods=["POST"])
@login_required
def withdraw_exclusion(code, exclusion_id):
    """Take back an exclusion recorded by mistake."""
    village = _village(code)
    if current_user.role not in EXCLUDE_ROLES or not EmptyForm().validate_on_submit():
        abort(403)
    exclusion = db.session.get(CompletenessExclusion, exclusion_id)
    if exclusion is None or exclusion.village_code != village.code:
        abort(404)
    completion.withdraw(exclusion, current_user)
    db.session.commit()
    flash(_("已撤销说明。"), "success")
    return redirect(url_for("dashboard.completeness_page", code=village.code))


@bp.route("/completeness/<code>/declare", methods=["POST"])
@login_required
def declare(code):
    """The township declares the village complete (村级完成); refused while it has gaps."""
    village = _village(code)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with attempt(completion.CompletenessRefused, done=_("已确认本村(社区)完成。")):
        completion.declare(village, current_user)
    return redirect(url_for("dashboard.completeness_page", code=village.code))


@bp.route("/completeness/<code>/gaps.xlsx")
@login_required
def completeness_export(code):
    """The gaps of a village, or of every village of a township, as Excel."""
    area = _area(code)
    if area.level == "county":
        headers = [_("代码"), _("乡镇"), _("村(社区)数"), _("已检查"), _("户数"), str(GAP_LABELS["household"]),
                   str(GAP_LABELS["member"]), str(GAP_LABELS["field"]), _("已确认完成"), _("有缺口的村")]
        rows = [[r["code"], r["name"], r["villages"], r["checked"], r["households"], r["household"], r["member"],
                 r["field"], r["declared"], r["with_gaps"]] for r in completion.township_rows(area)]
        return xlsx_response(f"completeness-{area.code}.xlsx", "completeness", headers, rows, code_columns=(0,))
    villages = [area] if area.level == "village" else Area.query.filter_by(parent_id=area.id).order_by(Area.code).all()
    found = completion.check(area.county_code, [v.code for v in villages])
    names = {v.code: v.name for v in villages}
    headers = [_("村(社区)"), _("缺口类别"), _("户号"), _("户主"), _("人员"), _("缺少")]
    rows = []
    for code_, village in found.items():
        for kind in completeness.GAP_KINDS:
            for gap in village.gaps[kind]:
                rows.append([names[code_], str(GAP_LABELS[kind]), gap["household_number"], gap["head_name"] or "",
                             gap.get("person_name", ""), _describe(kind, gap)])
    audit.record(current_user, "export_completeness", "area", area.code, detail=f"rows={len(rows)}")
    db.session.commit()
    return xlsx_response(f"completeness-gaps-{area.code}.xlsx", "gaps", headers, rows, code_columns=(2,))


def _describe(kind, gap):
    if kind == "household":
        return str(GAP_DETAIL_LABELS[gap["detail"]])
    if kind == "member":
        return _("无登记表，也无说明")
    return "、".join(str(FIELD_LABELS.get(key, key)) for key in gap["fields"])
