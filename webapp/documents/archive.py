"""The case archive (档案): after the county audit, one numbered PDF per case, stored and listed.

The archive holds a cover (number, case, retention date, contents), the filled registration
forms (full ID numbers: it is the filed record), the case's photos (see ``photos.py``) and the
timeline (who, when, decision). Its number comes from ``ARCHIVE_NUMBER_PATTERN`` with the
township's counter, which only ever goes up: a number is never handed out twice.

Producing it again renders the same content to the same bytes: nothing in the PDF depends on
when or by whom it was produced (that is kept on the archive row and in the audit log), and the
year and retention date come from the county audit. So the content hash shows whether a
re-produced file equals the stored one.
"""
import base64
import re
from datetime import date, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from .. import codes
from ..extensions import db
from ..landing import ARCHIVE_ROLES
from ..models import ArchiveCounter, CaseArchive, CaseEvent
from ..models.base import utcnow
from ..services import audit
from . import storage
from .pdf import content_hash, render_pdf
from .photos import case_photos
from .registration_form import STYLESHEETS, case_sheets, county_audit_event

PRODUCER_ROLE = "township"  # the notice gives archive management to the townships
READER_ROLES = ARCHIVE_ROLES  # archives hold full ID numbers


class ArchiveRefused(Exception):
    """The archive cannot be produced; ``str(err)`` says why, for the user."""


def next_sequence(township_code):
    """The township's next archive sequence. Only increments, so no number is ever reused.

    The UPDATE holds the counter's row lock until the caller commits, so two producers in one
    township take turns; the first number of a township inserts the row inside a savepoint.
    """
    for _attempt in range(2):
        bumped = db.session.execute(update(ArchiveCounter).where(ArchiveCounter.township_code == township_code)
                                    .values(last_value=ArchiveCounter.last_value + 1))
        if bumped.rowcount:
            return db.session.execute(select(ArchiveCounter.last_value)
                                      .where(ArchiveCounter.township_code == township_code)).scalar_one()
        try:
            with db.session.begin_nested():
                db.session.add(ArchiveCounter(township_code=township_code, last_value=1))
            return 1
        except IntegrityError:
            continue  # another producer inserted the row first: take the next value from it
    raise RuntimeError("archive counter could not be advanced")


def _local_date(moment):
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")
    return moment.replace(tzinfo=timezone.utc).astimezone(zone).date()


def retention_until(audited_on):
    """The date until which an archive audited on ``audited_on`` is kept (ARCHIVE_RETENTION_YEARS later)."""
    years = current_app.config["ARCHIVE_RETENTION_YEARS"]
    try:
        return audited_on.replace(year=audited_on.year + years)
    except ValueError:  # 29 February in a year that has none
        return date(audited_on.year + years, 2, 28)


def archive_number(township_code, year, sequence):
    """The archive number by ``ARCHIVE_NUMBER_PATTERN`` ({township}, {year}, {seq})."""
    return current_app.config["ARCHIVE_NUMBER_PATTERN"].format(township=township_code, year=year, seq=sequence)


def _storage_key(archive):
    safe = re.sub(r"[^0-9A-Za-z._-]", "_", archive.number)
    return f"{archive.township_code}/{safe}.pdf"


def _timeline(case):
    return (CaseEvent.query.filter_by(case_id=case.id).options(db.joinedload(CaseEvent.actor))
            .order_by(CaseEvent.at, CaseEvent.id).all())


def render_archive(case, number, retention):
    """The archive PDF of ``case`` under ``number`` (bytes; the same content gives the same bytes)."""
    audit_event = county_audit_event(case)
    sheets = case_sheets(case, full_ids=True)
    photos = [{"person_name": p.person_name, "caption": p.caption,
               "src": f"data:{p.mimetype};base64," + base64.b64encode(p.data).decode("ascii")}
              for p in case_photos(case)]
    with force_locale("zh_Hans_CN"):
        return render_pdf("documents/archive.html", stylesheets=STYLESHEETS + ("print/archive.css",),
                          title=_("档案 %(number)s", number=number), number=number, case=case,
                          retention=retention, audit_event=audit_event, sheets=sheets, photos=photos,
                          events=_timeline(case), codes=codes)


def produce(case, user):
    """Produce (or re-produce) the archive of ``case``; returns (archive, same_as_before).

    ``same_as_before`` is None for a first production, else whether the new file's hash equals the
    stored one. Raises :class:`ArchiveRefused` for a non-township user or before the county audit.
    The caller has checked the case is in the user's area, and commits.
    """
    if user.role != PRODUCER_ROLE:
        raise ArchiveRefused(_("只有乡镇社保所可以生成档案。"))
    if case.kind != "registration" or case.household is None:
        raise ArchiveRefused(_("只有入户登记案件可以生成档案。"))
    audit_event = county_audit_event(case)
    if audit_event is None:
        raise ArchiveRefused(_("县级审核通过后才能生成档案。"))
    audited_on = _local_date(audit_event.at)
    archive = CaseArchive.query.filter_by(case_id=case.id).one_or_none()
    previous_hash = archive.content_hash if archive else None
    now = utcnow()
    if archive is None:
        sequence = next_sequence(case.township_code)
        archive = CaseArchive(case=case, sequence=sequence,
                              number=archive_number(case.township_code, audited_on.year, sequence),
                              county_code=case.county_code, township_code=case.township_code,
                              village_code=case.village_code, retention_until=retention_until(audited_on),
                              created_at=now, created_by_id=user.id, produced_count=0)
        archive.storage_key = _storage_key(archive)
    data = render_archive(case, archive.number, archive.retention_until)
    storage.save(archive.storage_key, data)
    archive.content_hash, archive.size_bytes = content_hash(data), len(data)
    db.session.add(archive)  # only now: rendering queries would autoflush a row without its hash
    archive.produced_count += 1
    archive.last_produced_at = now
    db.session.flush()
    audit.record(user, "produce_archive", "case", case.id, detail=f"{archive.number} {archive.content_hash[:12]}")
    return archive, (None if previous_hash is None else previous_hash == archive.content_hash)


def archive_bytes(archive, user):
    """The stored PDF of ``archive`` (audited: it holds full ID numbers). The caller commits."""
    audit.record(user, "view_archive", "case", archive.case_id, detail=archive.number)
    return storage.load(archive.storage_key)


def archive_of(case):
    """The case's archive row, or None."""
    return CaseArchive.query.filter_by(case_id=case.id).one_or_none()
