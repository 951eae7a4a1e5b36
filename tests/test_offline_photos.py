"""Photos of documents: type sniffed from the content, metadata (location) stripped, size limits,
bytes outside the database, viewing only inside the area and audited."""
import io
import os
import uuid

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from webapp.extensions import db
from webapp.models import AuditEvent, DocumentPhoto
from webapp.infra.storage import FolderStore, store_from_url

from .helpers import case_at_visit, open_task

pytestmark = pytest.mark.usefixtures("county")


def jpeg_with_location(width=800, height=600):
    """A JPEG as a phone camera writes it: EXIF with maker, orientation and GPS position."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = 6  # rotated: the server turns it upright before dropping the tag
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def visit(client):
    client.login("village1")
    case = case_at_visit()
    row = open_task(case, "visit_household")
    csrf = client.get("/offline/api/session").get_json()["csrf_token"]
    return client, case, row, csrf


def upload(client, csrf, row, person_id_number, data, kind="id_front", key=None):
    form = {"key": key or uuid.uuid4().hex, "task_id": str(row.id), "id_number": person_id_number, "kind": kind,
            "file": (io.BytesIO(data), "photo.jpg")}
    return client.raw.post("/offline/api/photo", data=form, headers={"X-CSRFToken": csrf},
                           content_type="multipart/form-data")


def test_jpeg_is_stored_outside_the_database_without_exif(visit, app):
    client, case, row, csrf = visit
    person = case.household.persons[0]
    answer = upload(client, csrf, row, person.id_number, jpeg_with_location())
    assert answer.status_code == 200, answer.get_data(as_text=True)
    photo = db.session.get(DocumentPhoto, answer.get_json()["photo_id"])
    assert photo.case_id == case.id and photo.content_type == "image/jpeg"
    stored = os.path.join(app.instance_path, "photos", *photo.storage_key.split("/"))
    assert os.path.exists(stored)
    served = client.get(f"/photos/{photo.id}")
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/jpeg"
    assert "no-store" in served.headers["Cache-Control"]
    image = Image.open(io.BytesIO(served.data))
    assert dict(image.getexif()) == {}
    assert b"Exif" not in served.data and b"PhoneMaker" not in served.data
    assert image.size == (600, 800)  # turned upright by the orientation tag, then the tag dropped
    assert AuditEvent.query.filter_by(action="view_photo", object_id=str(photo.id)).count() == 1


def test_upright_jpeg_loses_comment_and_xmp_too(visit):
    client, case, row, csrf = visit
    image = Image.new("RGB", (300, 200), (10, 200, 30))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0)}
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>39,54N</exif:GPSLatitude></x:xmpmeta>'
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"home of the family", xmp=xmp)
    answer = upload(client, csrf, row, case.household.persons[0].id_number, out.getvalue())
    served = client.get(f"/photos/{answer.get_json()['photo_id']}").data
    for marker in (b"Exif", b"xmpmeta", b"GPS", b"home of the family"):
        assert marker not in served
    png = io.BytesIO()
    info = PngInfo()
    info.add_text("Location", "39.9N 116.4E")
    Image.new("RGB", (40, 30)).save(png, "PNG", pnginfo=info, exif=exif)
    answer = upload(client, csrf, row, case.household.persons[0].id_number, png.getvalue(), kind="hukou")
    served = client.get(f"/photos/{answer.get_json()['photo_id']}").data
    assert b"39.9N" not in served and b"eXIf" not in served and b"Exif" not in served


def test_replayed_upload_stores_one_photo(visit):
    client, case, row, csrf = visit
    person, same = case.household.persons[0], uuid.uuid4().hex
    first = upload(client, csrf, row, person.id_number, jpeg_with_location(), key=same).get_json()
    again = upload(client, csrf, row, person.id_number, jpeg_with_location(), key=same).get_json()
    assert again["replayed"] is True and again["photo_id"] == first["photo_id"]
    assert DocumentPhoto.query.filter_by(case_id=case.id).count() == 1


def test_png_is_accepted_and_wrong_types_refused_in_chinese(visit):
    client, case, row, csrf = visit
    number = case.household.persons[0].id_number
    png = io.BytesIO()
    Image.new("RGB", (50, 40), (0, 0, 255)).save(png, "PNG")
    assert upload(client, csrf, row, number, png.getvalue(), kind="hukou").status_code == 200
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 100
    answer = upload(client, csrf, row, number, heic)
    assert answer.status_code == 422 and "HEIC" in answer.get_json()["message"]
    answer = upload(client, csrf, row, number, b"%PDF-1.7 not a photo")
    assert answer.status_code == 422 and "JPEG 或 PNG" in answer.get_json()["message"]
    broken = b"\xff\xd8\xff\xe0" + b"garbage" * 20
    assert "损坏" in upload(client, csrf, row, number, broken).get_json()["message"]
    assert DocumentPhoto.query.filter_by(case_id=case.id).count() == 1


def test_too_large_is_refused(visit, app):
    client, case, row, csrf = visit
    app.config["PHOTO_MAX_BYTES"] = 4000
    answer = upload(client, csrf, row, case.household.persons[0].id_number, jpeg_with_location())
    assert answer.status_code == 422 and "太大" in answer.get_json()["message"]
    assert DocumentPhoto.query.count() == 0


def test_another_areas_photo_is_refused(visit, make_client):
    client, case, row, csrf = visit
    photo_id = upload(client, csrf, row, case.household.persons[0].id_number, jpeg_with_location()).get_json()["photo_id"]
    elsewhere = make_client()
    elsewhere.login("village2")  # another village of the same township
    assert elsewhere.get(f"/photos/{photo_id}").status_code == 404
    assert make_client().get(f"/photos/{photo_id}").status_code == 302  # not logged in: to the log-in page
    township = make_client()
    township.login("township")
    assert township.get(f"/photos/{photo_id}").status_code == 200
    page = township.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"/photos/{photo_id}" in page and "身份证正面" in page


def test_folder_store_keys_cannot_leave_the_folder(tmp_path):
    store = store_from_url("", str(tmp_path))
    assert isinstance(store, FolderStore)
    key = store.put(b"abc", ".jpg")
    assert store.get(key) == b"abc"
    for bad in ("../../etc/passwd", "a/b/../c", "/etc/passwd", "aa/bb/.hidden"):
        with pytest.raises(KeyError):
            store.get(bad)
    store.delete(key)
    with pytest.raises(KeyError):
        store.get(key)
    assert isinstance(store_from_url(f"file://{tmp_path}/other", "unused"), FolderStore)


def test_online_form_page_uploads_a_photo(client):
    case = case_at_visit()
    row = open_task(case, "visit_household")
    person = case.household.persons[0]
    client.login("village1")
    page_url = f"/inbox/tasks/{row.id}/forms/{person.id}"
    page = client.get(page_url).get_data(as_text=True)
    assert 'id="document-photos"' in page
    answer = client.post(f"/inbox/tasks/{row.id}/photos", {
        "id_number": person.id_number, "kind": "id_back", "next": page_url,
        "file": (io.BytesIO(jpeg_with_location()), "IMG_0001.jpg")}, token_from=page_url,
        content_type="multipart/form-data")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(page_url)
    photo = DocumentPhoto.query.filter_by(case_id=case.id).one()
    assert photo.kind == "id_back" and photo.uploaded_by.username == "village1"
    page = client.get(page_url).get_data(as_text=True)
    assert f"/photos/{photo.id}" in page and "身份证反面" in page
    refused = client.post(f"/inbox/tasks/{row.id}/photos", {
        "id_number": person.id_number, "kind": "id_front", "next": page_url,
        "file": (io.BytesIO(b"GIF89a not accepted"), "x.gif")}, token_from=page_url,
        content_type="multipart/form-data", follow_redirects=True)
    assert "JPEG 或 PNG" in refused.get_data(as_text=True)
    assert DocumentPhoto.query.filter_by(case_id=case.id).count() == 1


def test_s3_store_behind_the_same_interface(monkeypatch):
    """The S3-compatible backend, against an in-memory stand-in for boto3's client (boto3 itself
    is only installed where photos go to an object store)."""
    import sys
    import types

    class NoSuchKey(Exception):
        pass

    class FakeClient:
        def __init__(self):
            self.objects, self.exceptions = {}, types.SimpleNamespace(NoSuchKey=NoSuchKey)

        def put_object(self, Bucket, Key, Body):
            self.objects[(Bucket, Key)] = Body

        def get_object(self, Bucket, Key):
            if (Bucket, Key) not in self.objects:
                raise NoSuchKey(Key)
            return {"Body": io.BytesIO(self.objects[(Bucket, Key)])}

        def delete_object(self, Bucket, Key):
            self.objects.pop((Bucket, Key), None)

    made = {}

    def client(service, endpoint_url=None, region_name=None):
        made.update(service=service, endpoint=endpoint_url, region=region_name)
        made["client"] = FakeClient()
        return made["client"]

    monkeypatch.setitem(sys.modules, "boto3", types.SimpleNamespace(client=client))
    store = store_from_url("s3://photos/county-341721?endpoint=https://minio.local:9000&region=cn-east-1", "unused")
    assert made["service"] == "s3" and made["endpoint"] == "https://minio.local:9000" and made["region"] == "cn-east-1"
    key = store.put(b"jpeg bytes", ".jpg")
    assert ("photos", f"county-341721/{key}") in made["client"].objects
    assert store.get(key) == b"jpeg bytes"
    store.delete(key)
    with pytest.raises(KeyError):
        store.get(key)
    with pytest.raises(KeyError):
        store.get("../../other-bucket/x")
