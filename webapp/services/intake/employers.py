"""The employer part of a comparison run: organisations in, verdicts and changes out.

:func:`write_employers` is called by the run once the person results are
written. The run has fed every social insurance chunk it decoded into an
:class:`~webapp.intake.employers.EmployerIndex`; this module reads the run's
market supervision and civil affairs batches, compares (pure logic in
``webapp.intake.employers``), marks what changed since the previous run and
writes one :class:`ComparisonEmployer` row per organisation.

Services never commit: the run does.
"""
from __future__ import annotations

from sqlalchemy import delete, select

from ...extensions import db
from ...intake.employers import ORG_SOURCES, EmployerIndex, compare_employers, employer_counts, org_key, org_records
from ...models import Area, ComparisonEmployer, ComparisonRun
from ...infra.bulk import insert_rows
from .importing import batch_chunks


def load_orgs(batches) -> list:
    """The organisations of the market supervision / civil affairs batches among ``batches``."""
    orgs = []
    for batch in sorted((b for b in batches if b.source in ORG_SOURCES), key=lambda b: b.id):
        for chunk in batch_chunks(batch):
            orgs.extend(org_records(batch.source, chunk.columns, chunk.numbers))
    return orgs


def _township_finder(county_code: str):
    """A function from an address to the code of the township it names (None if none or unclear)."""
    townships = [(area.name, area.code) for area in Area.query.filter(
        Area.level == "township", Area.code.like(f"{county_code}%"))]
    townships.sort(key=lambda pair: len(pair[0]), reverse=True)  # 东流镇 before 东流

    def find(address):
        if not address:
            return None
        for name, code in townships:
            if name in address:
                return code
        return None
    return find


def _previous_statuses(run: ComparisonRun) -> dict | None:
    """{organisation key: status} of the previous run (``run.previous_run_id``, which the run's
    person diff sets), or None when there is none or it compared no employers (then nothing is
    called a change)."""
    previous = db.session.get(ComparisonRun, run.previous_run_id) if run.previous_run_id else None
    if previous is None or "employers" not in (previous.counts or {}):
        return None
    rows = db.session.execute(select(ComparisonEmployer.source, ComparisonEmployer.credit_code,
                                     ComparisonEmployer.name, ComparisonEmployer.status)
                              .where(ComparisonEmployer.run_id == previous.id))
    return {org_key(source, code, name): status for source, code, name, status in rows}


def _change(before: str | None, now: str) -> str | None:
    if now == "uninsured" and before != "uninsured":
        return "new_uninsured"
    if now == "insured" and before == "uninsured":
        return "now_insured"
    return None


def write_employers(run: ComparisonRun, index: EmployerIndex, batches) -> dict:
    """Compare the run's organisations with ``index`` and write their rows; returns the counts.

    ``batches`` are the run's import batches (any sources; the organisation
    ones are used). Changes against the previous run go into
    ``run.diff_counts`` as ``employers_new_uninsured`` / ``employers_now_insured``
    (only when non-zero) and on each row's ``change``. Safe to call twice for a run.
    """
    db.session.execute(delete(ComparisonEmployer).where(ComparisonEmployer.run_id == run.id))
    outcomes = compare_employers(load_orgs(batches), index)
    before = _previous_statuses(run)
    township_of = _township_finder(run.county_code)
    changes: dict[str, int] = {}
    rows = []
    for outcome in outcomes:
        org = outcome.org
        change = None if before is None else _change(before.get(outcome.key), outcome.status)
        if change:
            changes[f"employers_{change}"] = changes.get(f"employers_{change}", 0) + 1
        rows.append({"run_id": run.id, "source": org.source, "row_number": org.row, "credit_code": org.credit_code,
                     "name": (org.name or "")[:256] or None, "org_type": (org.org_type or "")[:64] or None,
                     "legal_rep": (org.legal_rep or "")[:64] or None, "register_date": org.register_date,
                     "address": (org.address or "")[:256] or None, "status": outcome.status,
                     "reason": outcome.reason, "insured_persons": outcome.insured_persons,
                     "staff_persons": outcome.staff_persons, "change": change,
                     "county_code": run.county_code, "township_code": township_of(org.address),
                     "village_code": None})
    insert_rows(ComparisonEmployer, rows)
    if changes:
        run.diff_counts = {**(run.diff_counts or {}), **changes}
    return employer_counts(outcomes)
