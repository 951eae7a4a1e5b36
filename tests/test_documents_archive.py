"""The case archive (档案): only after the county audit, only the township, numbered per township
(a counter never reused), stored, listed with retention date and content hash, re-produced to
the same bytes, photos included through the photo source hook."""
import io
import re

import pytest
from PIL import Image

from webapp.documents import archive as archives
from webapp.documents.pdf import content_hash
from webapp.documents.photos import CasePhoto, set_photo_source
from webapp.extensions import db
from webapp.models import ArchiveCounter, AuditEvent, Case, CaseArchive

from .helpers import case_in_village
from .pdf_support import assert_cjk_embedded, page_count, pdf_text, save_artifact
from .test_documents_forms import audited_case, other_township_user


def _produce(client, case):
    client.login("township")
    response = client.post(f"/documents/cases/{case.id}/archive", token_from=f"/cases/{case.id}")
    client.logout()
    return response


def _png(color):
    out = io.BytesIO()
    Image.new("RGB", (320, 200), color).save(out, "PNG")
    return out.getvalue()


def test_archive_after_audit_numbered_stored_listed_and_reproduced_identically(county, client, app):
    # A photo source as the photo storage will provide one: two photos for the first person.
    def photos(case):
        first = case.household.persons[0]
        return [CasePhoto(first.name, first.id_number, "身份证反面", "image/png", _png("navy"), (1,)),
                CasePhoto(first.name, first.id_number, "身份证正面", "image/png", _png("teal"), (0,))]
    set_photo_source(app, photos)

    case = audited_case(client)
    response = _produce(client, case)
    assert response.status_code == 302 and "/documents/archives" in response.headers["Location"]
    archive = CaseArchive.query.filter_by(case_id=case.id).one()
    year = archive.retention_until.year - app.config["ARCHIVE_RETENTION_YEARS"]
    assert archive.number == f"{case.township_code}-{year}-00001"

    client.login("township")
    listing = client.get("/documents/archives").get_data(as_text=True)
    assert archive.number in listing and archive.content_hash in listing
    assert archive.retention_until.isoformat() in listing
    stored = client.get(f"/documents/archives/{archive.id}.pdf")
    assert stored.status_code == 200 and content_hash(stored.data) == archive.content_hash
    client.logout()

    path = save_artifact(stored.data, "archive-case")
    assert_cjk_embedded(path)
    text = pdf_text(path)
    assert "全民参保登记档案" in text and archive.number in text
    assert "办理记录" in text and "县级审核" in text and "身份证正面" in text
    # Full ID numbers in the filed record.
    assert case.household.persons[0].id_number in text.replace(" ", "")
    # cover + one sheet per person + photos + timeline
    assert page_count(path) == 1 + len(case.household.persons) + 2
    assert b"/Subtype /Image" in stored.data
    # The photos come in the source's order (sort key), front before back.
    assert text.index("身份证正面") < text.index("身份证反面")

    first_hash = archive.content_hash
    client.login("township")
    response = client.post(f"/documents/cases/{case.id}/archive", token_from=f"/cases/{case.id}")
    assert "完全一致" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    again = CaseArchive.query.filter_by(case_id=case.id).one()
    assert again.number == archive.number and again.produced_count == 2
    assert again.content_hash == first_hash
    assert AuditEvent.query.filter_by(action="view_archive").count() == 1
    assert AuditEvent.query.filter_by(action="produce_archive").count() == 2


def test_archive_refused_before_audit_and_to_other_roles(county, client):
    case = case_in_village()
    client.login("township")
    response = client.post(f"/documents/cases/{case.id}/archive", token_from=f"/cases/{case.id}")
    assert response.status_code == 302
    assert "县级审核通过后才能生成档案" in client.get(response.headers["Location"]).get_data(as_text=True)
    client.logout()
    assert CaseArchive.query.count() == 0

    case = audited_case(client)
    for username in ("county", "village1"):
        client.login(username)
        assert client.post(f"/documents/cases/{case.id}/archive",
                           token_from=f"/cases/{case.id}").status_code == 403
        client.logout()
    # Another township's officer cannot see the case at all.
    other_township_user()
    client.login("othertown")
    assert client.post(f"/documents/cases/{case.id}/archive", token_from="/notifications/").status_code == 404
    client.logout()
    assert CaseArchive.query.count() == 0

    assert _produce(client, case).status_code == 302
    archive = CaseArchive.query.one()
    client.login("othertown")
    assert client.get(f"/documents/archives/{archive.id}.pdf").status_code == 404
    assert archive.number not in client.get("/documents/archives").get_data(as_text=True)
    client.logout()
    client.login("village1")
    assert client.get(f"/documents/archives/{archive.id}.pdf").status_code == 403
    client.logout()
    client.login("county")  # county staff read every township's archives
    assert client.get(f"/documents/archives/{archive.id}.pdf").status_code == 200


def test_numbers_per_township_never_reused(county, app):
    """The counter is per township and only goes up, even when an archive row disappears."""
    with app.test_request_context():
        assert archives.next_sequence("341721100000") == 1
        assert archives.next_sequence("341721100000") == 2
        assert archives.next_sequence("341721101000") == 1  # another township counts on its own
        db.session.commit()
        assert archives.next_sequence("341721100000") == 3
        db.session.commit()
        assert db.session.get(ArchiveCounter, "341721100000").last_value == 3
        app.config["ARCHIVE_NUMBER_PATTERN"] = "DA{township}{year}{seq:04d}"
        assert archives.archive_number("341721100000", 2026, 7) == "DA34172110000020260007"


def test_second_case_gets_the_next_number(county, client):
    first = audited_case(client)
    _produce(client, first)
    second = audited_case(client)
    _produce(client, second)
    numbers = [a.number for a in CaseArchive.query.order_by(CaseArchive.id)]
    assert [int(re.search(r"(\d+)$", n).group(1)) for n in numbers] == [1, 2]
    assert db.session.get(Case, second.id).township_code == db.session.get(Case, first.id).township_code


@pytest.mark.parametrize("name", ["case-page-panel"])
def test_case_page_offers_printing_and_archive(county, client, name):
    case = audited_case(client)
    client.login("township")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "打印空白登记表" in page and "打印已审核登记表" in page and "生成档案" in page
    client.logout()
    client.login("village1")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "打印空白登记表" in page and "生成档案" not in page and "含完整身份号码" not in page


def test_counter_in_racing_threads_hands_out_each_number_once(county):
    """Four producers in one township at once (own sessions, own connections): 1..N, no repeats."""
    import threading

    app = county
    taken, errors, barrier = [], [], threading.Barrier(4)

    def take(count):
        with app.app_context():
            try:
                barrier.wait()
                for _ in range(count):
                    taken.append(archives.next_sequence("341721102000"))
                    db.session.commit()
            except Exception as err:  # noqa: BLE001 - reported below
                errors.append(repr(err))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=take, args=(5,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(taken) == list(range(1, 21))


def test_archive_includes_the_photos_uploaded_for_the_case(county, client):
    """Without a test hook: the app's own photo store feeds the archive (ID card front, by person)."""
    from webapp.services.casework import photos as case_photos

    from .helpers import user

    case = audited_case(client)
    person = case.household.persons[0]
    case_photos.save_photo(case, user("township"), person.id_number, "id_front", _png("olive"))
    db.session.commit()

    response = _produce(client, case)
    assert response.status_code == 302
    archive = CaseArchive.query.filter_by(case_id=case.id).one()
    client.login("township")
    stored = client.get(f"/documents/archives/{archive.id}.pdf")
    client.logout()
    path = save_artifact(stored.data, "archive-uploaded-photo")
    assert "身份证正面" in pdf_text(path)
    assert page_count(path) == 1 + len(case.household.persons) + 2  # cover, sheets, photos, timeline
    assert b"/Subtype /Image" in stored.data
