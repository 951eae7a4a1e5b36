"""Upload size limits: set in the configuration, refused with a page that names the limit."""
import pytest
import io
import os

from webapp.models import ImportBatch

# Intake takes its county from the loaded areas: these tests run in the demo county.
pytestmark = pytest.mark.usefixtures("demo_areas")

MB = 1 << 20


def _upload(client, size):
    content = b"\xe5\xa7\x93\xe5\x90\x8d,\xe8\xba\xab\xe4\xbb\xbd\xe8\xaf\x81\xe5\x8f\xb7\n" + b"1" * size
    return client.post("/intake/upload", {"source": "public_security", "file": (io.BytesIO(content), "big.csv")},
                       token_from="/intake/", content_type="multipart/form-data")


def _stored(app):
    folder = os.path.join(app.instance_path, "uploads")
    return os.listdir(folder) if os.path.isdir(folder) else []


def test_the_limits_are_explicit_settings():
    from config import Config

    assert Config.UPLOAD_MAX_BYTES == 200 * MB
    assert Config.MAX_CONTENT_LENGTH >= Config.UPLOAD_MAX_BYTES
    assert Config.MAX_CONTENT_LENGTH >= getattr(Config, "DIAGRAM_MAX_BYTES", 0)


def test_a_department_file_over_its_limit_gets_a_clear_413_and_is_not_kept(county, client, app):
    app.config.update(UPLOAD_MAX_BYTES=1 * MB, MAX_CONTENT_LENGTH=4 * MB)
    client.login("agency")
    response = _upload(client, 2 * MB)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "上传的文件超过 1 MB 的上限，已拒收" in page and "Request Entity Too Large" not in page
    assert ImportBatch.query.count() == 0 and _stored(app) == []
    assert _upload(client, MB // 2).status_code == 302  # under the limit: taken


def test_any_request_over_max_content_length_gets_the_friendly_page(county, client, app):
    app.config.update(UPLOAD_MAX_BYTES=8 * MB, MAX_CONTENT_LENGTH=1 * MB)
    client.login("agency")
    response = _upload(client, 2 * MB)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "上传的内容超过 1 MB 的上限" in page and "capacity limit" not in page
    assert ImportBatch.query.count() == 0 and _stored(app) == []


def test_the_413_page_speaks_english_too(county, client, app):
    app.config.update(UPLOAD_MAX_BYTES=1 * MB, MAX_CONTENT_LENGTH=4 * MB)
    client.login("agency")
    client.post("/language/en", {"next": "/inbox"}, token_from="/inbox")
    page = _upload(client, 2 * MB).get_data(as_text=True)
    assert "The uploaded file exceeds the limit of 1 MB" in page
