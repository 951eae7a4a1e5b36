"""Dashboard pages: figures of the user's area, drill-down to a village's households, JSON and Excel."""
from flask import abort, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..exports import xlsx_response
from ..services.campaign import completion, dashboard, progress
from ..services.expansion import conversion as expansion_conversion
from . import bp
from .labels import (BREAKDOWN_COLUMNS, COMPLETENESS_STATUS_LABELS, COVERAGE_COLUMNS, COVERAGE_LABELS,
                     MEASURE_LABELS, PHASE_LABELS)

TABLES = ("funnel", "breakdown", "coverage", "daily")


def _area():
    return dashboard.area_for(current_user, request.args.get("area") or None)


def _unplaced(area):
    """How a row of work not yet placed one level down is named (county-level work, or no village yet)."""
    return _("县级（未分到乡镇）") if area.level == "county" else _("未分配村(社区)")


def _blank(value):
    return "" if value is None else value


@bp.route("/")
@login_required
def index():
    """The dashboard of one area: funnel, breakdown by child area, coverage, daily progress."""
    area = _area()
    breakdown = dashboard.breakdown(area)
    # Village rows show whether the township declared the village complete (kept counts, no check).
    statuses = completion.village_statuses([r["code"] for r in breakdown]) if area.level == "township" else {}
    return render_template("dashboard/index.html", area=area, totals=dashboard.totals(area),
                           breakdown=breakdown, completeness=statuses,
                           completeness_labels=COMPLETENESS_STATUS_LABELS, coverage=dashboard.coverage(area),
                           trail=_trail(area), funnel=progress.FUNNEL, measure_labels=MEASURE_LABELS,
                           breakdown_columns=BREAKDOWN_COLUMNS, coverage_columns=COVERAGE_COLUMNS,
                           coverage_labels=COVERAGE_LABELS, phases=dashboard.phases(), phase_labels=PHASE_LABELS,
                           blank=_blank, tables=TABLES, unplaced=_unplaced(area),
                           expansion=expansion_conversion.summary(area))


def _trail(area):
    """County › township › village links the user may follow (only areas inside their scope)."""
    trail, node = [], area
    while node is not None:
        trail.append(node)
        node = node.parent
    allowed = [a for a in reversed(trail) if a.code.startswith(_prefix())]
    return allowed


def _prefix():
    return dashboard.scope_prefix(current_user)


@bp.route("/data.json")
@login_required
def data():
    """The chart data of one area (the page's script reads it: no inline data under the CSP)."""
    area = _area()
    daily = dashboard.daily(area)
    rows = dashboard.breakdown(area)
    totals = dashboard.totals(area)
    return jsonify({
        "funnel": {"labels": [str(MEASURE_LABELS[m]) for m in progress.FUNNEL],
                   "values": [totals[m] for m in progress.FUNNEL]},
        "breakdown": {"names": [r["name"] or _unplaced(area) for r in rows],
                      "series": {m: [r[m] for r in rows] for m in ("target", "registered", "overdue", "returned")},
                      "labels": {m: str(MEASURE_LABELS[m]) for m in ("target", "registered", "overdue", "returned")}},
        "coverage": _coverage_json(dashboard.coverage(area), area),
        "daily": {"days": [d.isoformat() for d in daily["days"]],
                  "series": {m: daily["series"][m] for m in ("target", "visited", "registered")},
                  "plan": daily["plan"],
                  "labels": {m: str(MEASURE_LABELS[m]) for m in ("target", "visited", "registered")},
                  "plan_label": _("计划"),
                  "phases": [{"name": str(PHASE_LABELS.get(p["key"], p["key"])), "start": p["start"].isoformat(),
                              "end": p["end"].isoformat()} for p in daily["phases"] if p["key"] != "expansion"]},
    })


def _coverage_json(cov, area):
    rows = cov["rows"]
    return {"names": [r["name"] or _unplaced(area) for r in rows],
            "series": {k: [r[k] for r in rows] for k in ("pension_before", "pension_now", "medical_before",
                                                          "medical_now")},
            "labels": {k: str(COVERAGE_LABELS[k]) for k in ("pension_before", "pension_now", "medical_before",
                                                             "medical_now")}}


@bp.route("/export/<table>.xlsx")
@login_required
def export(table):
    """Any of the dashboard's tables as an Excel file (the same figures as the page)."""
    if table not in TABLES:
        abort(404)
    area = _area()
    if table == "funnel":
        totals = dashboard.totals(area)
        headers = [_("环节"), _("数量")]
        rows = [(str(MEASURE_LABELS[m]), totals[m]) for m in progress.FUNNEL]
    elif table == "breakdown":
        headers = [_("代码"), _("地区")] + [str(MEASURE_LABELS[c]) for c in BREAKDOWN_COLUMNS]
        rows = [[r["code"], r["name"] or _unplaced(area)] + [_blank(r[c]) for c in BREAKDOWN_COLUMNS]
                for r in dashboard.breakdown(area)]
        if area.level == "township":  # the villages' completeness, as on the page
            statuses = completion.village_statuses([row[0] for row in rows])
            headers.append(_("完整性"))
            for row in rows:
                row.append(str(COMPLETENESS_STATUS_LABELS[statuses[row[0]]]) if row[0] in statuses else "")
    elif table == "coverage":
        headers = [_("代码"), _("地区")] + [str(COVERAGE_LABELS[c]) for c in COVERAGE_COLUMNS]
        rows = [[r["code"], r["name"] or _unplaced(area)] + [_blank(r[c]) for c in COVERAGE_COLUMNS]
                for r in dashboard.coverage(area)["rows"]]
    else:
        daily = dashboard.daily(area)
        measures = progress.FUNNEL + ("returned", "overdue")
        headers = [_("日期")] + [str(MEASURE_LABELS[m]) for m in measures]
        series, days = daily["series"], daily["days"]
        # Days on which something changed (and the last day): a quiet day repeats the one before.
        kept = [i for i in range(len(days))
                if i == len(days) - 1 or any(series[m][i] != (series[m][i - 1] if i else 0) for m in measures)]
        rows = [[days[i]] + [series[m][i] for m in measures] for i in kept]
    return xlsx_response(f"dashboard-{table}-{area.code}.xlsx", table, headers, rows, code_columns=(0,))


@bp.route("/village/<code>/households")
@login_required
def households(code):
    """The households (registration cases) of one village and where each stands."""
    village = dashboard.area_for(current_user, code)
    if village.level != "village":
        abort(404)
    page = max(request.args.get("page", 1, type=int), 1)
    listing = dashboard.households(village, page=page)
    totals = dashboard.totals(village)
    return render_template("dashboard/households.html", area=village, listing=listing, totals=totals,
                           trail=_trail(village), funnel=progress.FUNNEL, measure_labels=MEASURE_LABELS)
