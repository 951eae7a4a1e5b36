"""Form definitions: created and edited by administrators in the form builder, published as
immutable numbered versions that user tasks of the ``data_form`` kind name by code.

The schema is checked here on every save (webapp/form_schema.py), never trusted from the
builder. A task uses the version that was current when it started (``version_for_task``).
The caller commits.
"""
import re

from flask_babel import gettext as _

from ...extensions import db
from ...form_schema import SchemaError, check_schema
from ...models import FormDefinition, FormVersion
from ...models.base import utcnow
from .. import audit

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def all_definitions():
    """Every definition, by code, with its versions loaded."""
    return (FormDefinition.query.options(db.selectinload(FormDefinition.versions))
            .order_by(FormDefinition.code).all())


def get(code):
    """The definition named ``code``, or None."""
    return FormDefinition.query.filter_by(code=code).one_or_none()


def draft_of(definition):
    """The definition's unpublished version, or None."""
    return next((v for v in definition.versions if v.status == "draft"), None)


def latest_published(definition):
    """The newest published version, or None."""
    published = [v for v in definition.versions if v.status == "published"]
    return published[-1] if published else None


def check_step(props):
    """What a data_form step's properties must satisfy (the preflight's check, registered on the
    form kind at app start): name a form definition that exists and has a published version."""
    code = (props.get("form_definition") or "").strip()
    if not code:
        return [_("没有选择数据表单：请在属性面板中选择一个已发布的数据表单。")]
    definition = get(code)
    if definition is None:
        return [_("数据表单 %(code)s 不存在：请先在表单设计器中创建并发布它，或选择其他表单。", code=code)]
    published = latest_published(definition)
    if published is None:
        return [_("数据表单「%(title)s」还没有发布：请先在表单设计器中发布它。", title=definition.title_zh)]
    # A field written under the step's decision/comment variable would be overwritten by it.
    taken = {(props.get(name) or "").strip() for name in ("decision_variable", "comment_variable")}
    clashes = sorted(field["key"] for field in published.schema["fields"] if field["key"] in taken)
    if clashes:
        return [_("数据表单「%(title)s」的字段 %(keys)s 与本环节的决定/意见变量同名：请改用其他变量名。",
                  title=definition.title_zh, keys="、".join(clashes))]
    return []


def published_version(code):
    """The newest published version of definition ``code``, or None (unknown or never published)."""
    return (FormVersion.query.join(FormDefinition).filter(FormDefinition.code == code,
                                                          FormVersion.status == "published")
            .order_by(FormVersion.number.desc()).first())


def published_choices():
    """(code, Chinese title) of every definition with a published version, for the modeler."""
    rows = (db.session.query(FormDefinition.code, FormDefinition.title_zh).join(FormVersion)
            .filter(FormVersion.status == "published").distinct().order_by(FormDefinition.code))
    return [(code, title) for code, title in rows]


def version_for_task(code, started_at):
    """The version a task started at ``started_at`` validates against: the newest one published
    by then (a later publication does not change a task already open), else the first one."""
    query = (FormVersion.query.join(FormDefinition)
             .filter(FormDefinition.code == code, FormVersion.status == "published"))
    pinned = (query.filter(FormVersion.published_at <= started_at)
              .order_by(FormVersion.published_at.desc(), FormVersion.number.desc()).first())
    return pinned or query.order_by(FormVersion.number).first()


def _titles(title_zh, title_en):
    problems = []
    title_zh, title_en = (title_zh or "").strip(), (title_en or "").strip()
    if not title_zh or len(title_zh) > 100:
        problems.append(_("表单的中文名称必须填写（最多 100 个字）。"))
    if not title_en or len(title_en) > 100:
        problems.append(_("表单的英文名称必须填写（最多 100 个字）。"))
    return title_zh, title_en, problems


def save_draft(code, title_zh, title_en, schema, user, create=False):
    """Store ``schema`` as the draft of definition ``code`` (a new definition when ``create``).

    Raises SchemaError with every problem (in Chinese, naming the field); nothing is stored then.
    Returns the draft FormVersion.
    """
    title_zh, title_en, problems = _titles(title_zh, title_en)
    definition = get(code) if isinstance(code, str) else None
    if create:
        if not isinstance(code, str) or not CODE_PATTERN.match(code):
            problems.append(_("表单标识必须以小写英文字母开头，只含小写字母、数字和下划线（2 到 40 个字符）。"))
        elif definition is not None:
            problems.append(_("表单标识 %(code)s 已被使用，请换一个。", code=code))
    elif definition is None:
        raise LookupError(code)
    try:
        stored = check_schema(schema)
    except SchemaError as err:
        problems.extend(err.messages)
    if problems:
        raise SchemaError(problems)
    now = utcnow()
    if definition is None:
        definition = FormDefinition(code=code, title_zh=title_zh, title_en=title_en,
                                    created_by_id=getattr(user, "id", None), created_at=now)
        db.session.add(definition)
        db.session.flush()
    definition.title_zh, definition.title_en, definition.updated_at = title_zh, title_en, now
    draft = draft_of(definition)
    if draft is None:
        number = max((v.number for v in definition.versions), default=0) + 1
        draft = FormVersion(definition=definition, number=number, status="draft")
        db.session.add(draft)
    draft.schema, draft.saved_by_id, draft.saved_at = stored, getattr(user, "id", None), now
    audit.record(user, "form_draft_saved", "form_definition", code, detail=f"version {draft.number}")
    return draft


def publish(code, user):
    """Publish the draft of ``code`` (checked once more); it never changes afterwards.

    Raises LookupError when there is no draft, SchemaError when it is not valid.
    """
    definition = get(code)
    draft = draft_of(definition) if definition is not None else None
    if draft is None:
        raise LookupError(code)
    check_schema(draft.schema)
    draft.status, draft.published_at, draft.published_by_id = "published", utcnow(), getattr(user, "id", None)
    audit.record(user, "form_published", "form_definition", code, detail=f"version {draft.number}")
    return draft
