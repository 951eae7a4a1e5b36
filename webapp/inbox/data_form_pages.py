"""The page of a task whose form is defined as data: drawn from the schema version the task
started with, in the user's language, and checked on the server when posted."""
from flask import abort, render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm

from ..extensions import db
from ..form_schema import COMMENT_FIELD, DECISION_FIELD, current_language, text_of
from ..services import audit
from ..services.casework import data_forms
from .task_pages import _can_work, _finish  # the inbox's own completion path (race and refusal answers)


def _posted():
    """{name: text, or [texts] when a name was sent more than once} of the post, CSRF token aside."""
    posted = {}
    for name in request.form:
        if name == "csrf_token":
            continue
        values = request.form.getlist(name)
        posted[name] = values[0] if len(values) == 1 else values
    return posted


def data_form_page(row):
    """Show the task's data form; on a valid post complete the task with the checked values."""
    version, _step = data_forms.version_of(row)
    if version is None:
        abort(404)
    lang = current_language()
    form = FlaskForm()  # the CSRF token; the fields are the schema's, checked by form_schema
    posted = {}
    if request.method == "POST":
        posted = _posted()
        if form.validate_on_submit():
            answer = _finish(row, lambda: data_forms.submit(row, current_user, posted, lang))
            if answer is not None:
                return answer
    if row.case.household is not None:  # the page lists the household's people: audited
        audit.record(current_user, "view_household", "case", row.case_id)
    html = render_template("inbox/task_data_form.html", row=row, case=row.case, can_work=_can_work(row),
                           form=form, version=version, schema=version.schema, lang=lang, posted=posted,
                           text_of=text_of, decision_field=DECISION_FIELD, comment_field=COMMENT_FIELD)
    db.session.commit()  # after rendering (a commit expires what the page shows), before sending
    return html


# Renderer of the data_form kind, by FormKind.page (webapp/form_kinds.py).
DATA_FORM_PAGES = {"data_form": data_form_page}
