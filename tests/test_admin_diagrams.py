"""Administrators upload diagram versions through the browser form; broken ones are refused."""
import io

from webapp.models import DiagramVersion


def _upload(client, name, text, process_id="registration_case"):
    return client.post("/admin/diagrams", {"process_id": process_id, "comment": "test",
                                           "file": (io.BytesIO(text.encode("utf-8")), name)},
                       token_from="/admin/diagrams", content_type="multipart/form-data")


def test_a_valid_change_becomes_a_new_current_version(county, client):
    client.login("admin")
    current = DiagramVersion.query.filter_by(process_id="registration_case", is_current=True).one()
    text = current.files["county_audit.bpmn"].replace('"P7D"', '"P9D"')
    response = _upload(client, "county_audit.bpmn", text)
    assert response.status_code == 302
    newest = DiagramVersion.query.filter_by(process_id="registration_case", is_current=True).one()
    assert newest.id != current.id and '"P9D"' in newest.files["county_audit.bpmn"]


def test_a_diagram_with_code_is_refused_and_nothing_is_deployed(county, client):
    client.login("admin")
    before = DiagramVersion.query.count()
    current = DiagramVersion.query.filter_by(process_id="registration_case", is_current=True).one()
    text = current.files["registration_case.bpmn"].replace(
        "audit_decision == 'return'", "__import__('os').system('id') or audit_decision == 'return'")
    response = _upload(client, "registration_case.bpmn", text)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "未通过校验" in page and "__import__" in page
    assert DiagramVersion.query.count() == before


def test_only_admins_manage_diagrams(county, client):
    client.login("county")
    assert client.get("/admin/diagrams").status_code == 403


def test_re_uploading_the_current_diagram_says_no_change(county, client):
    """Issue 13: the unchanged current file, under its name or renamed, is "no change", not an error."""
    client.login("admin")
    before = DiagramVersion.query.count()
    current = DiagramVersion.query.filter_by(process_id="registration_case", is_current=True).one()
    for name in ("registration_case.bpmn", "registration_case (1).bpmn"):
        response = _upload(client, name, current.files["registration_case.bpmn"])
        assert response.status_code == 302
        page = client.get("/admin/diagrams").get_data(as_text=True)
        assert "没有变化" in page and "Duplicate" not in page
    assert DiagramVersion.query.count() == before


def test_a_renamed_changed_file_replaces_the_file_of_its_process(county, client):
    client.login("admin")
    current = DiagramVersion.query.filter_by(process_id="registration_case", is_current=True).one()
    text = current.files["county_audit.bpmn"].replace('"P7D"', '"P9D"')
    response = _upload(client, "county_audit (2).bpmn", text)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    newest = DiagramVersion.query.filter_by(process_id="registration_case", is_current=True).one()
    assert "county_audit.bpmn" not in newest.files and '"P9D"' in newest.files["county_audit (2).bpmn"]
