"""The PDF infrastructure (webapp/documents/pdf.py): CJK fonts embedded, same bytes each time,
no resource fetched from outside the static folder."""
from jinja2 import ChoiceLoader, DictLoader

from webapp.documents.pdf import content_hash, render_pdf

from .pdf_support import assert_cjk_embedded, page_count, pdf_text, save_artifact

SAMPLE = """{% extends "documents/_base.html" %}{% block body %}<h1>{{ title }}</h1>
<table><tr><th>姓名</th><td>{{ name }}</td></tr></table>
<img src="{{ image }}" alt="">{% endblock %}"""


def _with_sample(app):
    app.jinja_loader  # noqa: B018 - make sure the default loader exists before wrapping it
    app.jinja_env.loader = ChoiceLoader([DictLoader({"sample.html": SAMPLE}), app.jinja_env.loader])


def test_pdf_embeds_cjk_fonts_and_is_deterministic(app):
    _with_sample(app)
    with app.test_request_context():
        first = render_pdf("sample.html", title="全民参保登记表", name="张三", image="")
        again = render_pdf("sample.html", title="全民参保登记表", name="张三", image="")
        other = render_pdf("sample.html", title="全民参保登记表", name="李四", image="")
    assert first.startswith(b"%PDF-")
    assert content_hash(first) == content_hash(again)
    assert content_hash(first) != content_hash(other)
    assert b"/CreationDate" not in first and b"/ModDate" not in first
    path = save_artifact(first, "pdf-sample")
    assert_cjk_embedded(path)
    assert page_count(path) == 1
    text = pdf_text(path)
    assert "全民参保登记表" in text and "张三" in text


def test_pdf_never_fetches_outside_static(app, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not really a png")
    _with_sample(app)
    with app.test_request_context():
        # A file outside the static folder and a network address are both refused (the image
        # is simply left out), so the document renders without them.
        data = render_pdf("sample.html", title="t", name="n", image=secret.as_uri())
        data2 = render_pdf("sample.html", title="t", name="n", image="http://127.0.0.1:9/x.png")
    assert data.startswith(b"%PDF-") and data2.startswith(b"%PDF-")
    assert b"/Subtype /Image" not in data and b"/Subtype /Image" not in data2
