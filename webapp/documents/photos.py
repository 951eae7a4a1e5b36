"""The photos a case's archive includes, from whatever photo storage the app has.

The photo storage (ID cards, household book pages) plugs in with :func:`set_photo_source`:
a function ``source(case) -> iterable of CasePhoto``. Without one, archives list no photos.
"""
from dataclasses import dataclass

from flask import current_app

_KEY = "case_photo_source"


@dataclass(frozen=True)
class CasePhoto:
    """One photo for the archive: whose, what it shows, its type and bytes.

    ``sort_key`` orders photos so the archive is the same file each time it is produced.
    """

    person_name: str
    id_number: str
    caption: str  # e.g. 身份证正面 / 身份证反面 / 户口簿本人页
    mimetype: str  # image/jpeg or image/png
    data: bytes
    sort_key: tuple = ()


def set_photo_source(app, source):
    """Install ``source(case) -> iterable of CasePhoto`` as the app's photo source."""
    app.extensions[_KEY] = source


def case_photos(case):
    """The case's photos in a stable order; empty when the app has no photo source."""
    source = current_app.extensions.get(_KEY)
    if source is None:
        return []
    photos = [p for p in source(case) if p.mimetype in ("image/jpeg", "image/png")]
    return sorted(photos, key=lambda p: (p.sort_key, p.id_number, p.caption))
