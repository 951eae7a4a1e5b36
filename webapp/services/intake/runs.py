"""Comparison runs over the imported data: create, run (as a job, with progress), diff.

:func:`run_comparison` is what the RQ job calls with a run id. Unlike other
services it commits, in steps: progress must be visible to the page polling
it, and half a million result rows are written in committed slices. A run is
only ``done`` at the very end, pages show only done runs, and running it again
first deletes whatever a failed attempt left — so it is safe to run twice.

Result rows are written as their outcomes appear; in a big run a second
process writes them (result_writer.py) while problems, record linkage,
changes and employers are worked out here.
"""
from __future__ import annotations

import gc
import itertools
import time
import traceback
from datetime import date, datetime

from flask import current_app
from sqlalchemy import delete, select

from ... import clock
from ...areacodes import codes_of_village
from ...extensions import db
from ...intake.compare import compare
from ...intake.employers import ORG_SOURCES, EmployerIndex
from ...intake.linkage import decision_key, find_candidates, relink_chunk
from ...intake.mapping import PERSON_SOURCES
from ...intake.records import InvalidIdRecord, records_from_chunk
from ...models import (ComparisonChange, ComparisonResult, ComparisonRun, ImportBatch, InvalidIdRow,
                       LinkageCandidate, ProblemRecord)
from ...models.base import utcnow
from ...infra.bulk import insert_rows, insert_tuples
from ..areas import campaign_county
from .employers import write_employers
from .importing import batch_chunks
from .problems import write_problem_records
from ...infra.result_writer import ResultWriter
from ..campaign import enrolled, progress as progress_counters
from ..casework import inspections
from ..expansion import conversion as expansion_conversion
from ..scoping import OutOfScope, in_county

_WRITE_SLICE = 20_000
_PROGRESS_SECONDS = 2.0
_last_shown: dict[int, float] = {}  # run id -> when its progress was last committed
_RESULT_COLUMNS = ["run_id", "id_number", "status", "problems", "missing", "reason", "name", "household_no",
                   "address", "in_register", "non_local", "insured_elsewhere", "schemes", "county_code",
                   "township_code", "village_code"]


def default_as_of() -> date:
    """Today where the campaign is (the app's time zone, Asia/Shanghai), not where the server is."""
    return clock.local_today()


def batches_for_run(county_code: str) -> list[ImportBatch]:
    """The batches a new run uses: per source, the active imported batches of its latest period.

    Superseding leaves one active batch per source and period (or a few with
    different people, e.g. one township's file sent on its own); should batches
    of several periods be active, the latest period wins.
    """
    active = ImportBatch.query.filter(
        ImportBatch.status == "imported", ImportBatch.active.is_(True),
        ImportBatch.source.in_(PERSON_SOURCES + ORG_SOURCES), ImportBatch.county_code == county_code).all()
    latest: dict[str, str] = {}
    for batch in active:
        latest[batch.source] = max(latest.get(batch.source, ""), batch.period or "")
    return sorted((b for b in active if (b.period or "") == latest[b.source]), key=lambda b: b.id)


def create_run(county_code: str | None = None, as_of: date | None = None, batch_ids=None, actor=None):
    """A queued run at ``as_of`` (default: today) over ``batch_ids`` (default: :func:`batches_for_run`).

    ``county_code`` defaults to the campaign's county (:func:`~webapp.services.areas.campaign_county`).
    """
    county_code = county_code or campaign_county()[0]
    if batch_ids is None:
        batch_ids = [b.id for b in batches_for_run(county_code)]
    run = ComparisonRun(status="queued", county_code=county_code, as_of=as_of or default_as_of(),
                        batch_ids=sorted(batch_ids), created_by_id=getattr(actor, "id", None),
                        created_at=utcnow())
    db.session.add(run)
    return run


def county_run(run_id: int, user, done: bool = False) -> ComparisonRun:
    """Comparison run ``run_id`` of ``user``'s county (with ``done``, only a finished one), else
    OutOfScope (the application answers 404)."""
    run = db.session.get(ComparisonRun, run_id)
    if not in_county(run, user) or (done and run.status != "done"):
        raise OutOfScope(f"ComparisonRun {run_id}")
    return run


def run_batches(run: ComparisonRun) -> list[ImportBatch]:
    """The batches a run uses, one per source (what the run page lists)."""
    return ImportBatch.query.filter(ImportBatch.id.in_(run.batch_ids or [-1])).order_by(ImportBatch.id).all()


def _progress(run: ComparisonRun, stage: str, done: int, total: int) -> None:
    """Show progress on the run; within a stage at most every couple of seconds.

    Each update is a commit, and on SQLite a commit waits its turn with the
    result writer's inserts: a new stage and the end of one are always shown.
    """
    now = time.monotonic()
    if stage == run.stage and done != total and now - _last_shown.get(run.id, 0) < _PROGRESS_SECONDS:
        return
    _last_shown[run.id] = now
    run.stage, run.progress_done, run.progress_total = stage, done, total
    db.session.commit()


def _batch_records(batch: ImportBatch, employer_index: EmployerIndex | None = None, links: dict | None = None):
    """The records of one batch, decoded chunk by chunk (social insurance chunks also feed ``employer_index``).

    ``links`` ({row number: ID}) gives rows with an unusable ID the person staff confirmed.
    """
    for chunk in batch_chunks(batch):
        if links:
            relink_chunk(chunk, links)
        if employer_index is not None and batch.source == "social_insurance":
            employer_index.add_chunk(chunk.columns)  # employers: see intake_employers
        yield from records_from_chunk(batch.source, chunk, [])


def _load_records(run: ComparisonRun, employer_index: EmployerIndex | None = None):
    """(register persons, enrollment stream, invalid-ID records, batches by id, (rejected pairs, rows linked)).

    The register is held whole (the comparison needs it); enrollments stream
    straight into the comparison, so a million of them never sit in memory.
    Organisation batches are left out here (they are in ``batches`` for
    :func:`write_employers`); ``employer_index`` fills as the stream is read.
    Rows with an unusable ID that staff confirmed as a known person come with
    that person's ID (and are no invalid-ID record); the pairs staff rejected
    come back for :func:`_write_candidates` (see :func:`linkage_decisions`).
    """
    batches = {b.id: b for b in ImportBatch.query.filter(ImportBatch.id.in_(run.batch_ids or [-1]))}
    confirmed, rejected = linkage_decisions(run.county_code)
    invalid, links = [], {}
    for row in InvalidIdRow.query.filter(InvalidIdRow.batch_id.in_(list(batches) or [-1])).order_by(InvalidIdRow.id):
        linked = confirmed.get((row.batch_id, row.row_number)) or confirmed.get(
            decision_key(row.source, row.id_raw, row.name))
        if linked is not None:  # staff said whose row it is: it is that person's, not a problem any more
            links.setdefault(row.batch_id, {})[row.row_number] = linked
            continue
        invalid.append(InvalidIdRecord(row.source, row.row_number, row.id_raw, tuple(row.error_codes.split(";")),
                                       row.name, row.birth_date, row.address, row.sex, row.batch_id))
    register = [record for batch_id in sorted(batches) if batches[batch_id].source == "public_security"
                for record in _batch_records(batches[batch_id], links=links.get(batch_id))]
    enrollments = itertools.chain.from_iterable(
        _batch_records(batches[batch_id], employer_index, links.get(batch_id)) for batch_id in sorted(batches)
        if batches[batch_id].source in ("health", "social_insurance"))
    linked_rows = sum(len(rows) for rows in links.values())
    return register, enrollments, invalid, batches, (rejected, linked_rows)


def linkage_decisions(county_code: str) -> tuple[dict, set]:
    """Staff decisions on earlier "possibly the same person" pairs of the county's runs.

    Returns (confirmed, rejected): ``confirmed`` maps both (batch id, row number)
    and :func:`~webapp.intake.linkage.decision_key` to the confirmed ID, so the
    decision holds for the same row in a re-saved or newer file; ``rejected``
    holds ``decision_key + (ID,)`` of pairs not to propose again. The latest
    decision on a pair wins.
    """
    rows = db.session.execute(
        select(LinkageCandidate.batch_id, LinkageCandidate.source, LinkageCandidate.row_number,
               LinkageCandidate.id_raw, LinkageCandidate.name, LinkageCandidate.candidate_id_number,
               LinkageCandidate.status)
        .join(ComparisonRun, ComparisonRun.id == LinkageCandidate.run_id)
        .where(ComparisonRun.county_code == county_code, LinkageCandidate.status.in_(("confirmed", "rejected")))
        .order_by(LinkageCandidate.decided_at, LinkageCandidate.id))
    confirmed, rejected = {}, set()
    for batch_id, source, row_number, id_raw, name, id_number, status in rows:
        key = decision_key(source, id_raw, name)
        if status == "confirmed":
            confirmed[(batch_id, row_number)] = confirmed[key] = id_number
            rejected.discard(key + (id_number,))
        else:
            rejected.add(key + (id_number,))
            for where in ((batch_id, row_number), key):
                if confirmed.get(where) == id_number:
                    del confirmed[where]
    return confirmed, rejected


class _ResultRows:
    """Where result rows go as outcomes appear: a writer process for big runs, else the session."""

    def __init__(self, run: ComparisonRun, batches: dict):
        self.run_id, self.county_code = run.id, run.county_code
        self._areas = {}  # village code -> (county, township, village): a few hundred villages
        person_rows = sum(b.rows_total or 0 for b in batches.values() if b.source in PERSON_SOURCES)
        self._writer = None
        if person_rows >= current_app.config["RESULT_WRITER_PROCESS_MIN_ROWS"]:
            url = db.engine.url.render_as_string(hide_password=False)
            self._writer = ResultWriter(url, ComparisonResult.__tablename__, _RESULT_COLUMNS)

    def add(self, people) -> None:
        """Write the rows of ``people`` (outcomes, in ID order: the unique index grows at its end)."""
        for start in range(0, len(people), _WRITE_SLICE):
            rows = [self._row(p) for p in people[start:start + _WRITE_SLICE]]
            if self._writer is not None:
                self._writer.send(rows)
            else:
                insert_tuples(ComparisonResult, _RESULT_COLUMNS, rows)

    def finish(self, progress) -> None:
        """Wait for the writer process (if any), passing its progress to ``progress(written, total)``."""
        if self._writer is not None:
            self._writer.finish(progress)

    def abort(self) -> None:
        """Stop the writer process of a failed run."""
        if self._writer is not None:
            self._writer.abort()

    def _row(self, p) -> tuple:
        codes = self._areas.get(p.area_code)
        if codes is None:
            codes = self._areas[p.area_code] = codes_of_village(p.area_code, self.county_code)
        return (self.run_id, p.id_number, p.status, ";".join(p.problems), ";".join(p.missing), p.reason,
                (p.name or "")[:64] or None, p.household_no, (p.address or "")[:256] or None,
                p.in_register, p.non_local, p.insured_elsewhere, p.schemes, *codes)


def _diff(run: ComparisonRun, people) -> dict:
    """Changes against the previous done run of the county; returns counts by kind of change."""
    previous = (ComparisonRun.query.filter(ComparisonRun.county_code == run.county_code,
                                           ComparisonRun.status == "done", ComparisonRun.id < run.id)
                .order_by(ComparisonRun.id.desc()).first())
    if previous is None:
        return {}
    run.previous_run_id = previous.id
    rows = db.session.execute(select(ComparisonResult.id_number, ComparisonResult.status,
                                     ComparisonResult.problems).where(ComparisonResult.run_id == previous.id))
    before = {id_number: (status, problems) for id_number, status, problems in rows.tuples()}
    changes, counts = [], {}
    for p in people:
        now = (p.status, ";".join(p.problems))
        old = before.pop(p.id_number, None)
        if old == now:
            continue
        kind = "appeared" if old is None else "status" if old[0] != now[0] else "problems"
        changes.append({"run_id": run.id, "id_number": p.id_number, "change": kind,
                        "before_status": old[0] if old else None, "after_status": now[0],
                        "before_problems": old[1] if old else None, "after_problems": now[1]})
        key = f"{old[0]}->{now[0]}" if kind == "status" else kind
        counts[key] = counts.get(key, 0) + 1
    for id_number, (status, problems) in before.items():
        changes.append({"run_id": run.id, "id_number": id_number, "change": "disappeared",
                        "before_status": status, "after_status": None, "before_problems": problems,
                        "after_problems": None})
        counts["disappeared"] = counts.get("disappeared", 0) + 1
    insert_rows(ComparisonChange, changes)
    return counts


def _write_candidates(run: ComparisonRun, invalid, people, area_of, rejected) -> int:
    pairs = find_candidates(invalid, people, rejected=rejected)
    rows = []
    for pair in pairs:
        county, township, village = codes_of_village(area_of.get(pair.candidate_id), run.county_code)
        rows.append({"run_id": run.id, "batch_id": pair.batch_id, "source": pair.source,
                     "row_number": pair.row, "id_raw": pair.id_raw[:64], "name": pair.name,
                     "candidate_id_number": pair.candidate_id, "candidate_name": pair.candidate_name,
                     "score": pair.score, "reasons": "；".join(pair.reasons)[:128], "status": "pending",
                     "county_code": county, "township_code": township, "village_code": village})
    insert_rows(LinkageCandidate, rows)
    return len(rows)


def _clear(run_id: int) -> None:
    for model in (ComparisonResult, ComparisonChange, ProblemRecord, LinkageCandidate):
        db.session.execute(delete(model).where(model.run_id == run_id))


def run_comparison(run_id: int, listener=None) -> dict:
    """Run comparison ``run_id`` to the end (commits in steps); returns its counts.

    ``listener(stage, done, total)``, when given, hears every progress step
    (the command line shows them; the page polls the run instead).
    """
    run = db.session.get(ComparisonRun, run_id)
    if run is None:
        raise LookupError(f"no comparison run {run_id}")
    if run.status == "done":
        return run.counts
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of short-lived objects, no cycles: the collector only costs time
    results = None

    def progress(stage, done, total):
        _progress(run, stage, done, total)
        if listener is not None:
            listener(stage, done, total)

    try:
        _clear(run.id)
        run.status, run.started_at, run.error = "running", utcnow(), None
        progress("loading", 0, 0)
        employer_index = EmployerIndex()
        register, enrollments, invalid, batches, (rejected, linked_rows) = _load_records(run, employer_index)
        results = _ResultRows(run, batches)
        result = compare(register, enrollments, invalid, as_of=run.as_of, emit=results.add,
                         progress=lambda done, total: progress("comparing", done, total))
        del register, enrollments
        # While a writer process inserts the results, the rest is worked out and written here.
        area_of = {p.id_number: p.area_code for p in result.people if p.area_code}
        progress("problems", 0, 0)
        problems = write_problem_records(run, result, batches, area_of)
        progress("linkage", 0, 0)
        candidates = _write_candidates(run, invalid, result.people, area_of, rejected)
        progress("changes", 0, 0)
        run.diff_counts = _diff(run, result.people)
        progress("employers", 0, 0)
        employer_counts = write_employers(run, employer_index, batches.values())
        db.session.commit()  # before waiting: on SQLite the writer needs the write lock to finish
        results.finish(lambda written, total: progress("writing", written, total))
        run.counts = dict(result.counts(), problem_records=problems, linkage_candidates=candidates,
                          linked_rows=linked_rows, **employer_counts)
        run.status, run.stage, run.finished_at = "done", "done", utcnow()
        progress_counters.snapshot_coverage(run)  # the dashboard's coverage, in the run's last commit
        inspections.notify_rechecks(run)  # open employer re-checks this run answers (用工检查)
        expansion_conversion.mark(run)  # expansion targets this run shows enrolled (one UPDATE)
        enrolled.record_run(run)  # the funnel's last stage: uninsured before, enrolled now
        db.session.commit()
        if listener is not None:
            listener("done", 1, 1)
        return run.counts
    except Exception:
        if results is not None:
            results.abort()
        db.session.rollback()
        run = db.session.get(ComparisonRun, run_id)
        run.status, run.error, run.finished_at = "failed", traceback.format_exc()[-4000:], utcnow()
        db.session.commit()
        raise
    finally:
        if gc_was_enabled:
            gc.enable()
