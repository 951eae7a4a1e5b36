"""The printed registration form: a household's blank (pre-filled) forms and a case's filled forms
after the county audit, as PDFs with embedded CJK fonts, area-scoped and audited."""
from webapp.extensions import db
from webapp.models import AuditEvent, Case

from .helpers import case_in_village, user
from .pdf_support import assert_cjk_embedded, page_count, pdf_text, save_artifact
from .test_case_walkthrough import assign_step, review_step, visit_step


def audited_case(client):
    """A registration case walked to an approved county audit through the web pages."""
    case = case_in_village()
    assign_step(client, case, user("village1").area.code, user("village1"))
    visit_step(client, case)
    review_step(client, "township", case, "first_review", "approve")
    review_step(client, "county", case, "county_audit_review", "approve")
    db.session.expire_all()
    return db.session.get(Case, case.id)


def test_household_blank_form_prefilled_masked_and_audited(county, client):
    case = case_in_village()
    household = case.household
    client.login("township")
    response = client.get(f"/documents/households/{household.id}/forms.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    path = save_artifact(response.data, "form-household-blank")
    assert_cjk_embedded(path)
    assert page_count(path) == len(household.persons)  # one A4 sheet per member
    text = pdf_text(path)
    assert "全民参保登记表" in text and household.household_number in text
    head = household.persons[0]
    assert head.name in text
    # Masked by default: the paper travels door to door.
    assert head.id_number not in text.replace(" ", "")
    assert AuditEvent.query.filter_by(action="print_forms", object_type="household",
                                      object_id=str(household.id)).count() == 1


def test_full_ids_only_for_office_roles(county, client):
    case = case_in_village()
    household = case.household
    client.login("township")
    text = _pdf_text_of(client.get(f"/documents/households/{household.id}/forms.pdf?full_ids=1").data, "form-full")
    assert household.persons[0].id_number in text.replace(" ", "")
    event = AuditEvent.query.filter_by(action="print_forms").order_by(AuditEvent.id.desc()).first()
    assert "full_ids=yes" in event.detail
    client.logout()
    # A supervisor asks for full numbers and gets masked ones.
    client.login("supervisor")
    text = _pdf_text_of(client.get(f"/documents/households/{household.id}/forms.pdf?full_ids=1").data, "form-sup")
    assert household.persons[0].id_number not in text.replace(" ", "")


def _pdf_text_of(data, name):
    return pdf_text(save_artifact(data, name, first_page_png=False))


def other_township_user():
    """A township officer of the county's second township (the demo staffs only the first)."""
    from webapp.models import Area
    from webapp.services import areas
    from webapp.synthetic import demo

    area = Area.query.filter_by(code=areas.township_code(user("county").area.county_code, 1)).one()
    other = demo.ensure_user("othertown", "另一乡镇社保所", "township", area)
    db.session.commit()
    return other


def test_other_township_gets_404(county, client):
    case = case_in_village()
    other_township_user()
    client.login("othertown")
    assert client.get(f"/documents/households/{case.household.id}/forms.pdf").status_code == 404
    client.logout()
    client.login("gongan")
    assert client.get(f"/documents/households/{case.household.id}/forms.pdf").status_code in (403, 404)


def test_filled_forms_only_after_county_audit(county, client):
    case = case_in_village()
    client.login("township")
    response = client.get(f"/documents/cases/{case.id}/forms.pdf")
    assert response.status_code == 302  # back to the case page, told why
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "县级审核通过后" in page
    client.logout()

    case = audited_case(client)
    client.login("township")
    response = client.get(f"/documents/cases/{case.id}/forms.pdf")
    assert response.status_code == 200
    path = save_artifact(response.data, "form-case-filled")
    assert_cjk_embedded(path)
    text = pdf_text(path)
    assert "县级审核" in text and "城乡居民基本医疗保险" in text
    county_user = user("county")
    assert county_user.display_name in text  # who audited is on the form
    assert page_count(path) == len(case.household.persons)


def test_person_record_links_the_household_forms(county, client):
    case = case_in_village()
    person = case.household.persons[0]
    client.login("township")
    page = client.get(f"/registry/persons/{person.id}").get_data(as_text=True)
    assert f"/documents/households/{case.household.id}/forms.pdf" in page
