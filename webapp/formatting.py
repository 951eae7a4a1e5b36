"""Template filters: dates, numbers and ID numbers as Chinese staff expect them."""
from datetime import timezone

from flask_babel import format_datetime, format_decimal, lazy_gettext as _l

from . import labels
from .idnumber import mask_id, mask_ids_in_text
from .models.base import utcnow

ROLE_LABELS = {
    "village": _l("村(社区)协理员"), "township": _l("乡镇社保所"), "agency": _l("社保经办机构"),
    "county": _l("县人社局审核"), "supervisor": _l("督查"), "admin": _l("系统管理员"),
    "data_provider": _l("数据提供部门"),
}
DECISION_LABELS = labels.GROUPS["decision"]
EVENT_LABELS = {
    "started": _l("立案"), "task_completed": _l("办理"), "claimed": _l("认领"), "unclaimed": _l("退回待领"),
    "completed": _l("办结"), "registry_applied": _l("写入登记库"), "reminder": _l("到期提醒"),
    "escalated": _l("超期上报"), "reassigned": _l("改派"), "due_changed": _l("调整期限"),
    "change_applied": _l("变更已生效"), "problem_closed": _l("问题已处理"), "assigned": _l("分配"), "placed": _l("定位到村(社区)"),
    "incident": _l("流程异常"), "incident_resolved": _l("异常已重试恢复"), "migrated": _l("流程升级"),
    "change_requested": _l("申报变更"), "change_refused": _l("变更未生效（值已被改动）"),
    "conflict_recheck": _l("冲突复核"), "survey_household": _l("逐户调查"),
}
# Inbox rows and cases keep the task names of the shipped diagrams (bpmn/*.bpmn) as data; these
# are shown translated. A name not listed here (a diagram uploaded later) is shown as stored.
TASK_TITLES = {
    "分配责任人": _l("分配责任人"), "入户调查": _l("入户调查"), "乡镇初审": _l("乡镇初审"),
    "县级审核": _l("县级审核"), "审核变更": _l("审核变更"), "乡镇审核变更": _l("乡镇审核变更"), "入户定期调查": _l("入户定期调查"), "调查问题数据": _l("调查问题数据"),
    "处理问题数据": _l("处理问题数据"),
}
# Timelines store the task id; they show the same title as the task.
TASK_TITLES.update({
    "assign_household": TASK_TITLES["分配责任人"], "visit_household": TASK_TITLES["入户调查"],
    "first_review": TASK_TITLES["乡镇初审"], "county_audit_review": TASK_TITLES["县级审核"],
    "review_change": TASK_TITLES["审核变更"], "township_review_change": TASK_TITLES["乡镇审核变更"],
    "conduct_survey": TASK_TITLES["入户定期调查"], "investigate_problem": TASK_TITLES["调查问题数据"],
    "resolve_problem": TASK_TITLES["处理问题数据"],
})


def code_label(value, list_name):
    """The label of a registration-form code (``list_name`` names a list in ``webapp.codes``)."""
    from . import codes

    if value in (None, ""):
        return ""
    return str(dict(getattr(codes, list_name)).get(value, value))


def task_title(title):
    """A task's title in the interface language (``current_step`` lists several, comma-separated)."""
    if not title:
        return title
    if ", " in title:
        return ", ".join(str(TASK_TITLES.get(part, part)) for part in title.split(", "))
    return str(TASK_TITLES.get(title, title))


def relation_label(value):
    """A relation to the head of household (stored as its Chinese code) in the interface language."""
    from .codes import RELATION

    return str(dict(RELATION).get(value, value)) if value else ""


def localdt(value, fmt="yyyy-MM-dd HH:mm"):
    """A stored UTC datetime in the user's time zone (Asia/Shanghai by default)."""
    if value is None:
        return ""
    return format_datetime(value.replace(tzinfo=timezone.utc), fmt)


def localdate(value):
    """A date as 2026-11-28."""
    if value is None:
        return ""
    if hasattr(value, "hour"):
        return localdt(value, "yyyy-MM-dd")
    return value.isoformat()


def area_name(code):
    """The name of an area code (names of one request are looked up once)."""
    if not code:
        return ""
    from flask import g

    from .models import Area

    names = g.get("_area_names")
    if names is None:
        names = g._area_names = {}
    if code not in names:
        area = Area.query.filter_by(code=code).one_or_none()
        names[code] = area.name if area else code
    return names[code]


def number(value):
    """A number with the locale's grouping."""
    return format_decimal(value or 0)


def register(app):
    """Install the filters and globals on ``app``'s Jinja environment."""
    app.jinja_env.filters.update(localdt=localdt, localdate=localdate, number=number, masked=mask_id, mask_ids=mask_ids_in_text, area_name=area_name, code_label=code_label,
                                 role_label=lambda r: ROLE_LABELS.get(r, r),
                                 decision_label=lambda d: DECISION_LABELS.get(d, d or ""),
                                 event_label=lambda e: EVENT_LABELS.get(e, e),
                                 task_title=task_title, relation_label=relation_label,
                                 label=labels.label, plain=labels.plain, event_comment=labels.event_comment,
                                 run_change=labels.run_change)
    app.jinja_env.globals.update(record_rows=labels.record_rows, changed_rows=labels.changed_rows,
                                 field_title=labels.field_title, field_value=labels.field_value,
                                 sensitive_fields=_sensitive_fields())
    from flask_babel import get_locale

    app.jinja_env.globals.update(now_utc=utcnow, languages=app.config["LANGUAGES"], get_locale=get_locale)


def _sensitive_fields():
    from .services.casework.changes import SENSITIVE_FIELDS  # the one list, shown on the review page

    return SENSITIVE_FIELDS
