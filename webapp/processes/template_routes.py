"""A new process from a template (administrators): fill it in, then open the draft in the modeler.

Thin: the form's choices come from the template, role and form-kind registries; the service
writes the diagram and stores it as the new process's draft; validation and deploy are the
modeler's (edit_routes.py).
"""
from flask import redirect, render_template, url_for
from flask_login import current_user

from .. import form_kinds
from ..attempts import attempt
from ..auth.decorators import admin_required
from ..engine.diagrams import LANE_ROLES
from ..formatting import ROLE_LABELS
from ..services.admin import process_templates as templates
from . import bp
from .forms import NewProcessForm


def _form():
    form = NewProcessForm()
    roles = [(code, str(ROLE_LABELS.get(code, code))) for code in LANE_ROLES]
    form.template.choices = templates.template_choices()
    form.start_role.choices = form.role_1.choices = form.role_2.choices = roles
    form.subject.choices = [(code, str(label)) for code, label in templates.SUBJECTS.items()]
    form.form_1.choices = form.form_2.choices = form_kinds.choices()
    return form


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new_from_template():
    """Fill in a template; the new process is saved as a draft and opened in the modeler."""
    form = _form()
    if form.validate_on_submit():
        template = templates.TEMPLATES.get(form.template.data)
        count = len(template.steps) if template else 0
        roles = [form.role_1.data, form.role_2.data][:count]
        kinds = [form.form_1.data, form.form_2.data][:count]
        definitions = [(form.definition_1.data or "").strip(), (form.definition_2.data or "").strip()][:count]
        with attempt(templates.TemplateRefused, done=str(templates.CREATED_MESSAGE)) as created:
            templates.create_from_template(form.template.data, form.process_id.data.strip(), form.name_zh.data,
                                           form.name_en.data, form.start_role.data, form.subject.data, roles, kinds,
                                           current_user, definitions)
        if created:
            return redirect(url_for("processes.edit", process_id=form.process_id.data.strip()))
    elif not form.is_submitted():
        form.role_2.data, form.form_1.data, form.form_2.data = "township", "investigate", "approve_return"
    two_steps = " ".join(code for code, template in templates.TEMPLATES.items() if len(template.steps) > 1)
    return render_template("processes/new.html", form=form, templates=templates.TEMPLATES.values(),
                           two_steps=two_steps)
