"""Upload size refusals: one exception and one message, for every kind of upload.

Flask refuses a request over ``MAX_CONTENT_LENGTH`` by its Content-Length header,
before reading the body; a view may refuse its own kind of file with a
smaller limit through :func:`upload_too_large`. Either way the user sees the
413 page with the limit in megabytes, not Werkzeug's English text.
"""
from flask import current_app
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge


class UploadTooLarge(RequestEntityTooLarge):
    """A 413 whose description is already the message for the user."""


def megabytes(size: int) -> str:
    """A byte count as whole megabytes for messages ('200')."""
    return f"{size / (1 << 20):,.0f}"


def upload_too_large(limit: int) -> UploadTooLarge:
    """The refusal of one upload over ``limit`` bytes."""
    return UploadTooLarge(description=_("上传的文件超过 %(limit)s MB 的上限，已拒收。请拆分文件（例如按乡镇）后分别上传。",
                                        limit=megabytes(limit)))


def too_large_message(error) -> str:
    """The message of the 413 page: the view's own, or the request limit of the configuration."""
    if isinstance(error, UploadTooLarge):
        return error.description
    return _("上传的内容超过 %(limit)s MB 的上限，已拒收。请拆分文件后分别上传。",
             limit=megabytes(current_app.config.get("MAX_CONTENT_LENGTH") or 0))
