"""The registration form's fields are bound once per process and copied for each form
(webapp/bound_fields.py): a form so built must validate, keep and show exactly what a form bound
by WTForms itself does, in both languages, for valid and invalid input, the second time as well
as the first (the copies), and one form's input must not reach another's.
"""
from datetime import date

import pytest
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectField
from wtforms.meta import DefaultMeta

from webapp.bound_fields import KnownChoicesField
from webapp.idnumber import make_id
from webapp.inbox.registration_forms import PersonRegistrationForm


class PlainForm(PersonRegistrationForm):
    """The same form bound by WTForms on every construction: the plain path."""

    class Meta:
        bind_field = DefaultMeta.bind_field


ID = make_id("341721", date(1968, 3, 9), 123)  # sequence 123: odd, a man


def _valid(**overrides):
    data = {"name": "张三", "id_number": ID, "sex": "M", "ethnicity": "汉族", "relation_to_head": "户主",
            "household_type": "agricultural", "status": "normal", "pension_scheme": "", "pension_where": "",
            "medical_scheme": "resident_medical", "medical_where": "local", "uninsured_reason": "hardship",
            "willing_to_enroll": "yes", "willing_scheme": "resident_pension", "outcome_code": "unwilling",
            "policy_explained": "y", "signature": "signed", "phone": "0566-1234567"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


INPUTS = {
    "valid": _valid(),
    "bad ID number": _valid(id_number=ID[:-1] + ("0" if ID[-1] != "0" else "1")),
    "short ID number": _valid(id_number="34172119680309"),
    "missing name": _valid(name=None),
    "missing signature": _valid(signature=None),
    "blank required": _valid(name="   ", outcome_code=""),
    "sex not the ID's": _valid(sex="F"),
    "GBK-ish text": _valid(name="锟斤拷燙燙燙𠮷", current_address="屯昌县\u3000枫木镇\x7f 「測試」 ½",
                           employer="鍥藉", note="乱码：ÃÂ¢â€ 锟 " * 5),
    "too long and bad choices": _valid(note="字" * 501, phone="电话", relation_to_head="表哥",
                                       pension_scheme="urban_pension", birth_date="1968-13-40"),
    "a date given": _valid(pension_since="2020-02-29", employed="y", birth_date="1968-03-09"),
    "choices of other fields": _valid(sex="agricultural", household_type="M", status="signed", signature="normal",
                                      outcome_code="yes", willing_scheme="local", medical_where="resident_medical"),
    "choices missing": _valid(sex=None, household_type=None, status=None, relation_to_head=None, outcome_code=None),
}


def _outcome(form_class, data):
    """What a user gets from the form: the verdict, the errors, the kept data and every field shown."""
    form = form_class(formdata=MultiDict(data), meta={"csrf": False})
    valid = form.validate()
    return (valid, {name: [str(e) for e in errors] for name, errors in form.errors.items()},
            form.stored_data() if valid else None, form.name.data, form.id_number.data,
            [(str(field.label), str(field()), field.flags.required) for field in form])


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_copied_fields_validate_keep_and_show_what_wtforms_bound_fields_do(app, locale):
    with app.test_request_context("/"), force_locale(locale):
        for label, data in INPUTS.items():
            plain = _outcome(PlainForm, data)
            for _ in range(2):  # the first binding, then copies of it
                assert _outcome(PersonRegistrationForm, data) == plain, label
        assert _outcome(PlainForm, INPUTS["valid"])[0] is True
        assert _outcome(PlainForm, INPUTS["bad ID number"])[0] is False


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_choices_and_inline_checks_refuse_what_wtforms_own_validation_does(app, locale, monkeypatch):
    # The select fields' valid values kept as a set and the form's validate_<field> methods found
    # once per class (webapp/bound_fields.py) against WTForms' walk through every choice and its
    # look-up of every field's method.
    with app.test_request_context("/"), force_locale(locale):
        ours = {label: [_outcome(PersonRegistrationForm, data) for _ in range(2)] for label, data in INPUTS.items()}
        monkeypatch.setattr(KnownChoicesField, "pre_validate", SelectField.pre_validate)
        monkeypatch.setattr(PersonRegistrationForm, "validate", Form.validate)
        for label, data in INPUTS.items():
            assert ours[label] == [_outcome(PlainForm, data)] * 2, label
        assert ours["choices of other fields"][0][0] is False


def test_an_empty_form_and_a_filled_one_do_not_share_input(app):
    with app.test_request_context("/"):
        filled = PersonRegistrationForm(formdata=MultiDict(INPUTS["too long and bad choices"]), meta={"csrf": False})
        filled.validate()
        empty = PersonRegistrationForm(formdata=None, meta={"csrf": False})
        plain = PlainForm(formdata=None, meta={"csrf": False})
        assert [(f.data, f.errors, str(f())) for f in empty] == [(f.data, f.errors, str(f())) for f in plain]
        assert empty.ethnicity.data == "汉族" and not empty.errors
        assert filled.errors and filled.note.data == "字" * 501


def test_the_csrf_field_stays_each_forms_own(app):
    with app.test_request_context("/"):
        first, second = PersonRegistrationForm(), PersonRegistrationForm()
        assert first.csrf_token is not second.csrf_token
        assert first.name is not second.name and first.name.meta is first.meta
