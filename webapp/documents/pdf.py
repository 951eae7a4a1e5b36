"""PDF rendering: a Jinja template (HTML + print CSS) to PDF bytes with WeasyPrint.

The one public entry point is :func:`render_pdf`; :func:`content_hash` and
:func:`pdf_response` are the two helpers callers need around it.

Use::

    from webapp.documents.pdf import render_pdf, pdf_response
    data = render_pdf("documents/my_doc.html", title="...", rows=rows)
    return pdf_response(data, "name.pdf")

The template should extend ``documents/_base.html`` (A4, the print CSS, the CJK font stack)
and fill ``{% block body %}``; extra stylesheets from ``webapp/static/`` go in
``stylesheets=("print/my.css",)``.

Guarantees:

- **Fonts are embedded** (subsets), never fetched: the CSS names Noto Sans/Serif CJK SC, which
  fontconfig finds on the machine (Debian package ``fonts-noto-cjk``; README, set-up).
- **Deterministic**: the same template output gives the same bytes. WeasyPrint writes no
  creation/modification date unless the HTML asks for one (the base template does not), and the
  PDF file identifier is derived from the content instead of being random. So a content hash
  (:func:`content_hash`) of a re-produced document equals the first one.
- **No network**: the renderer loads only files under ``webapp/static/`` and ``data:`` URLs
  (images of stored photos are passed as ``data:`` URLs).

Needs an application context (templates are rendered with Flask's Jinja environment).
"""
import hashlib
import io
import os
from urllib.request import url2pathname

from flask import current_app, render_template, send_file

PDF_MIMETYPE = "application/pdf"


def render_pdf(template_name, *, stylesheets=(), **context):
    """Render ``template_name`` with ``context`` and return the PDF as bytes.

    ``stylesheets`` are extra CSS paths relative to ``webapp/static/``, linked after the base
    print CSS by ``documents/_base.html`` (so they override it). Equal input gives byte-equal
    output.
    """
    # A heavy import, made here: WeasyPrint loads pango through cffi, which the rest of the app never needs.
    from weasyprint import HTML

    # The base template links the stylesheets itself: as author styles they win over the base
    # print CSS in the cascade (styles given to write_pdf count as user styles, which lose).
    html = render_template(template_name, pdf_stylesheets=tuple(stylesheets), **context)
    static = current_app.static_folder
    # The file identifier (the PDF trailer's /ID) is normally random or absent; derive it from
    # the rendered HTML so a re-produced document is the same file. The CSS files are part of
    # the program, like the templates: a changed stylesheet is a new release, not new content.
    digest = hashlib.sha256(html.encode("utf-8")).hexdigest()
    document = HTML(string=html, base_url=static + os.sep, url_fetcher=_static_only_fetcher(static))
    return document.write_pdf(pdf_identifier=digest[:32].encode())


def content_hash(data):
    """The SHA-256 hex digest of a document's bytes (shown to users to compare copies)."""
    return hashlib.sha256(data).hexdigest()


def pdf_response(data, filename, *, inline=True):
    """A response serving PDF ``data`` as ``filename``, never cached (it holds personal data)."""
    response = send_file(io.BytesIO(data), mimetype=PDF_MIMETYPE, as_attachment=not inline,
                         download_name=filename)
    response.headers["Cache-Control"] = "no-store"
    return response


def _static_only_fetcher(static_dir):
    """A URL fetcher that serves files under ``static_dir`` and ``data:`` URLs, nothing else."""
    from weasyprint.urls import URLFetcher  # heavy: see render_pdf

    root = os.path.realpath(static_dir)

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file:"):
                path = os.path.realpath(url2pathname(url.split("?")[0].removeprefix("file:")))
                if path.startswith(root + os.sep):
                    return super().fetch(url, headers)
            # Why refuse: templates show user data; a document must never reach the network
            # or read files outside the static folder.
            raise ValueError("resource not allowed in a printed document")

    return StaticOnlyFetcher(allowed_protocols=("file", "data"))
