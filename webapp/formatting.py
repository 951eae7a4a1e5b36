"""Template filters: dates, numbers and ID numbers as Chinese staff expect them."""
from datetime import timezone
from functools import lru_cache

from babel.numbers import format_decimal as babel_format_decimal
from flask import g
from markupsafe import Markup
from flask_babel import format_datetime, format_decimal, get_babel, lazy_gettext as _l
from pytz import timezone as pytz_timezone

from . import codes, labels
from .codes import RELATION
from .engine.catalogue import known_titles, loaded, steps_of
from .extensions import db
from .idnumber import mask_id, mask_ids_in_text
from .memo import Memo
from .models import Area, DiagramVersion
from .models.base import utcnow
from .translation_cache import current_locale, current_locale_name, current_translations
from .services.casework.changes import SENSITIVE_FIELDS

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
    "offline_conflict": _l("离线填报未能提交"),
    "change_requested": _l("申报变更"), "change_refused": _l("变更未生效（值已被改动）"),
    "conflict_recheck": _l("冲突复核"), "survey_household": _l("逐户调查"),
}


def code_label(value, list_name):
    """The label of a registration-form code (``list_name`` names a list in ``webapp.codes``)."""
    if value in (None, ""):
        return ""
    return str(dict(getattr(codes, list_name)).get(value, value))


def task_title(title):
    """A task's title in the interface language (``current_step`` lists several, comma-separated)."""
    return task_titles([title])[0]


def task_titles(titles):
    """``task_title`` of each of ``titles``: the language and the diagrams' steps looked up once
    for a whole list (a task list page names twenty)."""
    distinct = set(titles)
    names = {name for title in distinct if title for name in title.split(", ")}
    known = known_titles()
    if not names <= known.keys():
        _load_steps()
        known = known_titles()
    locale = current_locale()
    english = locale is not None and locale.language == "en"
    # Each distinct title once: a list's rows mostly name the same few steps.
    shown = {title: ", ".join(_step_title(name, known, english) for name in title.split(", ")) if title else title
             for title in distinct}
    return [shown[title] for title in titles]


def _step_title(name, known, english):
    """A step's title from its diagram (its name, or its ``title_en`` in English); rows and
    timelines store the Chinese name or the task id. Unknown names are shown as stored."""
    zh, en = known.get(name, (None, None))
    if zh is None:
        return name
    return en if english and en else zh


def _load_steps():
    """Read the steps of every stored version not read yet in this process (versions never change)."""
    known = loaded()
    for version_id, digest in db.session.query(DiagramVersion.id, DiagramVersion.content_hash):
        if digest not in known:
            steps_of(db.session.get(DiagramVersion, version_id))


def relation_label(value):
    """A relation to the head of household (stored as its Chinese code) in the interface language."""
    if not value:
        return ""
    # Translated once per catalogue (kept on it, as translation_cache keeps template strings):
    # a household table asks once per member.
    translations = current_translations()
    names = translations.__dict__.get("_relation_labels")
    if names is None:
        names = translations._relation_labels = {code: str(label) for code, label in RELATION}
    return names.get(value, value)


def role_label(role):
    """A staff role's name in the interface language (``role`` itself when unknown)."""
    # Translated once per catalogue, as relation_label: the lazy label looked its catalogue up
    # again on every page (the header and the task header show one each). Markup, as the lazy
    # label printed itself.
    translations = current_translations()
    names = translations.__dict__.get("_role_labels")
    if names is None:
        names = translations._role_labels = {code: Markup(str(label)) for code, label in ROLE_LABELS.items()}
    return names.get(role, role)


# Numeric patterns Babel writes the same in every locale (Latin digits): strftime does them in a
# fraction of Babel's time (about 0.1 ms each, 20 times on a task list).
_NUMERIC_PATTERNS = {"yyyy-MM-dd HH:mm": "%Y-%m-%d %H:%M", "yyyy-MM-dd": "%Y-%m-%d",
                     "yyyy-MM-dd HH:mm:ss": "%Y-%m-%d %H:%M:%S", "HH:mm": "%H:%M"}


def localdt(value, fmt="yyyy-MM-dd HH:mm"):
    """A stored UTC datetime in the user's time zone (Asia/Shanghai by default)."""
    return localdts((value,), fmt)[0]


def localdts(values, fmt="yyyy-MM-dd HH:mm"):
    """``localdt`` of each of ``values``, the time zone looked up once for a whole list."""
    numeric = _NUMERIC_PATTERNS.get(fmt)
    if numeric is None:
        return ["" if value is None else format_datetime(value.replace(tzinfo=timezone.utc), fmt)
                for value in values]
    zone = request_timezone()
    texts = []
    for value in values:
        if value is None:
            texts.append("")
            continue
        key = (zone, numeric, value)
        text = _LOCAL_TEXTS.get(key) if value.tzinfo is None else None
        if text is None:
            text = value.replace(tzinfo=timezone.utc).astimezone(zone).strftime(numeric)
            if value.tzinfo is None:  # (an aware time equals others of the same instant: not kept)
                _LOCAL_TEXTS.put(key, text)
        texts.append(text)
    return texts


# The local texts of stored (naive UTC) times already written, per (time zone, pattern, time): a
# task list shows the same deadlines on every view, and the zone's conversion and strftime cost
# about 10 µs a row (a page of twenty: a tenth of its view). A bounded memo (webapp/memo.py: the
# oldest go first, safe under threads; two threads may both write the same text).
_MAX_LOCAL_TEXTS = 20_000
_LOCAL_TEXTS = Memo(_MAX_LOCAL_TEXTS)


def request_timezone():
    """The time zone dates are shown in: the campaign's (``campaign_timezone``, which is also
    Flask-Babel's time zone selector, so its own formatting agrees)."""
    return campaign_timezone()


def campaign_timezone():
    """The campaign's time zone (Flask-Babel's BABEL_DEFAULT_TIMEZONE) as a pytz zone: every user
    sees times in it. Flask-Babel's time zone selector (create_app): without one it built the zone
    from its name again on every request."""
    return _zone_named(get_babel().default_timezone)


@lru_cache(maxsize=8)  # the zone of each name once per process (a pytz zone is not changed by its users)
def _zone_named(name):
    return pytz_timezone(name)


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
    names = g.get("_area_names")
    if names is None:
        names = g._area_names = {}
    if code not in names:
        area = Area.query.filter_by(code=code).one_or_none()
        names[code] = area.name if area else code
    return names[code]


# Locales whose whole numbers Babel writes as Python's "{:,}" does (Latin digits, a comma every
# three): Babel took 70-180 µs per number, four or five times on every page with tab counts.
_COMMA_GROUPED = {}


def number(value):
    """A number with the locale's grouping."""
    value = value or 0
    locale = current_locale() if type(value) is int else None
    if locale is not None:
        key = current_locale_name()  # str(locale), written once per locale object
        plain = _COMMA_GROUPED.get(key)
        if plain is None:
            plain = _COMMA_GROUPED[key] = babel_format_decimal(-1234567, locale=locale) == "-1,234,567"
        if plain:
            return f"{value:,}"
    return format_decimal(value)


def register(app):
    """Install the filters and globals on ``app``'s Jinja environment."""
    app.jinja_env.filters.update(localdt=localdt, localdate=localdate, number=number, masked=mask_id, mask_ids=mask_ids_in_text, area_name=area_name, code_label=code_label,
                                 role_label=role_label,
                                 decision_label=lambda d: DECISION_LABELS.get(d, d or ""),
                                 event_label=lambda e: EVENT_LABELS.get(e, e),
                                 task_title=task_title, relation_label=relation_label,
                                 label=labels.label, plain=labels.plain, event_comment=labels.event_comment,
                                 run_change=labels.run_change)
    app.jinja_env.globals.update(record_rows=labels.record_rows, changed_rows=labels.changed_rows,
                                 field_title=labels.field_title, field_value=labels.field_value,
                                 sensitive_fields=_sensitive_fields())
    app.jinja_env.globals.update(now_utc=utcnow, languages=app.config["LANGUAGES"], get_locale=current_locale,
                                 locale_name=current_locale_name)


def _sensitive_fields():
    return SENSITIVE_FIELDS
