"""The form builder (administrators): list, create and edit forms defined as data, save a
draft, publish. Thin: the schema is checked by services.admin.form_definitions on every save;
JSON posts carry the CSRF token in ``X-CSRFToken``."""
from flask import abort, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.decorators import admin_required
from ..extensions import db
from ..form_schema import FIELD_TYPES, SchemaError, type_label
from ..services.admin import form_definitions as definitions
from . import bp

MAX_POST_CHARS = 200_000


@bp.route("/forms")
@admin_required
def forms():
    """Every form definition with its versions."""
    rows = [{"definition": d, "draft": definitions.draft_of(d), "published": definitions.latest_published(d)}
            for d in definitions.all_definitions()]
    return render_template("processes/forms.html", rows=rows)


def _builder(definition, version):
    setup = {
        "types": [[kind, type_label(kind)] for kind in FIELD_TYPES],
        "definition": {"code": definition.code if definition else "",
                       "title_zh": definition.title_zh if definition else "",
                       "title_en": definition.title_en if definition else "",
                       "schema": version.schema if version else {"fields": []}},
        "urls": {"save": url_for("processes.form_save"),
                 "publish": url_for("processes.form_publish", code=definition.code) if definition else "",
                 "publish_pattern": url_for("processes.form_publish", code="__code__"),
                 "edit_pattern": url_for("processes.form_edit", code="__code__")},
    }
    return render_template("processes/form_builder.html", definition=definition, version=version, setup=setup,
                           draft=definitions.draft_of(definition) if definition else None,
                           published=definitions.latest_published(definition) if definition else None)


@bp.route("/forms/new")
@admin_required
def form_new():
    """The form builder on an empty form."""
    return _builder(None, None)


@bp.route("/forms/<code>")
@admin_required
def form_edit(code):
    """The form builder on the draft of ``code``, else on its newest published version."""
    definition = definitions.get(code)
    if definition is None:
        abort(404)
    return _builder(definition, definitions.draft_of(definition) or definitions.latest_published(definition))


@bp.route("/forms/save", methods=["POST"])
@admin_required
def form_save():
    """Check and store the builder's schema as a draft (a new definition when ``create``)."""
    if (request.content_length or 0) > MAX_POST_CHARS:
        abort(413)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        abort(400)
    code = payload.get("code")
    try:
        draft = definitions.save_draft(code, payload.get("title_zh"), payload.get("title_en"), payload.get("schema"),
                                       current_user, create=bool(payload.get("create")))
    except SchemaError as err:
        db.session.rollback()
        return jsonify(ok=False, problems=err.messages,
                       message=_("未保存：发现 %(n)s 个问题，请逐个修改。", n=len(err.messages))), 422
    except LookupError:
        abort(404)
    db.session.commit()
    return jsonify(ok=True, number=draft.number, url=url_for("processes.form_edit", code=code),
                   message=_("草稿已保存（第 %(n)s 版，未发布）：发布前，流程中的任务仍使用已发布的版本。", n=draft.number))


@bp.route("/forms/<code>/publish", methods=["POST"])
@admin_required
def form_publish(code):
    """Publish the draft of ``code``: from now on new tasks use it; it never changes again."""
    try:
        version = definitions.publish(code, current_user)
    except LookupError:
        return jsonify(ok=False, problems=[], message=_("没有可发布的草稿：请先保存草稿。")), 409
    except SchemaError as err:
        db.session.rollback()
        return jsonify(ok=False, problems=err.messages, message=_("草稿有问题，未发布。")), 422
    db.session.commit()
    return jsonify(ok=True, number=version.number,
                   message=_("已发布第 %(n)s 版：此后开始的任务使用该版本，已开始的任务仍按原版本校验。", n=version.number))
