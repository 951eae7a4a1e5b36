"""Target lists (扩面对象名单) by priority group, township and village; building, exporting, the rules."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from . import bp
from .forms import RuleForm
from ..attempts import attempt
from ..auth.decorators import roles_required
from ..exports import xlsx_response
from ..extensions import db
from ..labels import label
from ..models import Area, ComparisonRun, ExpansionRule, ExpansionTarget, WORKING_ROLES
from ..services import audit, scoping
from ..services.expansion import rules, targets
from ..jobs import expansion as expansion_jobs
from ..queues import enqueue

EDIT_ROLES = ("county", "agency")  # county staff edit the rules, build lists and open drives
PER_PAGE = 50
EXPORT_LIMIT = 200_000


def chosen_run():
    """The list the page shows: ?run=, else the county's newest list (None when none is built)."""
    run_id = request.args.get("run", type=int)
    if run_id is not None:
        run = db.session.get(ComparisonRun, run_id)
        if run is None or not scoping.in_county(run, current_user):
            abort(404)
        return run
    lists = targets.list_runs(scoping.user_county(current_user))
    return lists[0][0] if lists else None


def area_choices():
    """The townships and villages inside the user's area, for the filters and the drive form."""
    return (Area.query.filter(Area.level.in_(("township", "village")), scoping.areas_within(current_user.area.code))
            .order_by(Area.code).all())


def _filters():
    return {key: request.args.get(key) or None for key in ("group", "township", "village")}


@bp.route("/")
@roles_required(*WORKING_ROLES)
def target_list():
    """The list's targets in the user's area by group, filterable by township and village."""
    run = chosen_run()
    county = scoping.user_county(current_user)
    latest = targets.latest_done_run(county)
    context = {"run": run, "latest": latest, "lists": targets.list_runs(county), "filters": _filters(),
               "groups": rules.GROUPS, "areas": area_choices(), "can_edit": current_user.role in EDIT_ROLES,
               "rows": [], "total": 0, "counts": {}, "page": 1, "per_page": PER_PAGE}
    if run is not None:
        chosen, mine = _filters(), scoping.scope_condition(ExpansionTarget, current_user)
        query = targets.filtered(run.id, mine, **chosen)
        # The group counts follow the area filters but not the group filter (they choose it).
        context["counts"] = targets.counts_by_group(targets.filtered(run.id, mine, None, chosen["township"],
                                                                     chosen["village"]))
        page = max(request.args.get("page", 1, type=int), 1)
        context.update(page=page, total=query.count(),
                       rows=query.order_by(ExpansionTarget.village_code, ExpansionTarget.household_no,
                                           ExpansionTarget.id).offset((page - 1) * PER_PAGE).limit(PER_PAGE).all())
        audit.record(current_user, "view_expansion_targets", "comparison_run", run.id)
        db.session.commit()
    return render_template("expansion/targets.html", **context)


@bp.route("/build", methods=["POST"])
@roles_required(*EDIT_ROLES)
def build():
    """Build the target list of the county's latest comparison run (a job; twice builds nothing new)."""
    run = targets.latest_done_run(scoping.user_county(current_user))
    if run is None:
        flash(_("还没有已完成的比对，无法生成扩面对象名单。"), "error")
        return redirect(url_for("expansion.target_list"))
    audit.record(current_user, "build_expansion_targets", "comparison_run", run.id)
    db.session.commit()
    enqueue("intake", expansion_jobs.build_targets, run.id, job_id=f"expansion-targets-{run.id}")
    flash(_("正在根据比对批次 %(id)s 生成扩面对象名单，稍后刷新本页查看。", id=run.id), "success")
    return redirect(url_for("expansion.target_list"))


@bp.route("/export.xlsx")
@roles_required(*WORKING_ROLES)
def export():
    """The filtered list as Excel (ID numbers masked; the export is audited)."""
    run = chosen_run()
    if run is None:
        abort(404)
    query = targets.filtered(run.id, scoping.scope_condition(ExpansionTarget, current_user), **_filters())
    rows = query.order_by(ExpansionTarget.village_code, ExpansionTarget.household_no, ExpansionTarget.id) \
        .limit(EXPORT_LIMIT).all()
    names = dict(Area.query.with_entities(Area.code, Area.name).filter(Area.level.in_(("township", "village"))).all())
    audit.record(current_user, "export_expansion_targets", "comparison_run", run.id, detail=f"{len(rows)} rows")
    db.session.commit()
    headers = [_("姓名"), _("公民身份号码"), _("户号"), _("重点人群"), _("年龄"), _("户口性质"), _("职业"),
               _("缺少险种"), _("乡镇(街道)"), _("村(社区)"), _("联系结果"), _("回访日期"), _("已转化参保")]
    return xlsx_response(f"expansion-targets-{run.id}.xlsx", _("扩面对象"), headers, (
        (t.name, t.id_number, t.household_no, label(t.group_code, "expansion_group"), t.age,
         label(t.hukou_type, "HOUSEHOLD_TYPE"), t.occupation, label(t.missing, "missing"),
         names.get(t.township_code, ""), names.get(t.village_code, ""), label(t.outcome, "contact_outcome"),
         t.follow_up_on, label(t.converted_run_id is not None, "yes_no")) for t in rows), id_columns=(1,))


@bp.route("/rules", methods=["GET", "POST"])
@roles_required(*WORKING_ROLES)
def rule_list():
    """The grouping rules in order; county staff add, change, move and delete them."""
    county = scoping.user_county(current_user)
    form = RuleForm()
    form.group_code.choices = [(code, label_) for code, label_, _where in rules.GROUPS if code != rules.FALLBACK]
    if request.method == "POST":
        if current_user.role not in EDIT_ROLES:
            abort(403)
        if form.validate_on_submit():
            rule_id = request.form.get("rule_id", type=int)
            with attempt(rules.RuleRefused, done=_("规则已保存，最新名单已按新规则重新分组。")) as saved:
                rule = rules.save_rule(county, rule_id, form.group_code.data, form.conditions.data,
                                       form.position.data, current_user)
                audit.record(current_user, "expansion_rule", "expansion_rule", rule.id, detail=rule.group_code)
                _regroup_latest(county)
            if not saved:
                return _rules_page(county, form, status=400, editing=rule_id)
            return redirect(url_for("expansion.rule_list"))
    return _rules_page(county, form)


def _regroup_latest(county):
    lists = targets.list_runs(county)
    if lists:
        rules.regroup(lists[0][0].id, county)


def _rules_page(county, form, status=200, editing=None):
    rule_rows = rules.rules_of(county)
    db.session.commit()  # the shipped defaults, stored the first time
    return render_template("expansion/rules.html", form=form, rules=rule_rows, rule_text=rules.rule_text,
                           attributes=rules.ATTRIBUTES, operators=rules.OPERATORS, editing=editing,
                           can_edit=current_user.role in EDIT_ROLES), status


@bp.route("/rules/<int:rule_id>/delete", methods=["POST"])
@roles_required(*EDIT_ROLES)
def delete_rule(rule_id):
    """Delete one rule; the latest list is regrouped."""
    county = scoping.user_county(current_user)
    rule = ExpansionRule.query.filter_by(id=rule_id, county_code=county).first_or_404()
    rules.delete_rule(county, rule.id)
    audit.record(current_user, "expansion_rule_delete", "expansion_rule", rule_id)
    _regroup_latest(county)
    db.session.commit()
    flash(_("规则已删除，最新名单已重新分组。"), "success")
    return redirect(url_for("expansion.rule_list"))
