"""The funnel's last stage: people a comparison run found uninsured whom a later run shows enrolled.

Called by the comparison run's job when the run finishes (``intake.runs.run_comparison``), in the
run's last transaction, so the figure and the run commit together. Each newly enrolled person gets
one ``enrolled_after_run`` row (unique by ID number: a person counts once, at the first later run
that shows them enrolled), and the kept totals get ``enrolled_next`` per village.

"Enrolled" means an item (pension or medical) the earlier run found missing is no longer missing
and the later run holds a scheme of that kind for the person (here or elsewhere): a pension gap that
closes because the person became a student is not an enrolment.
"""
from sqlalchemy import and_, exists, func, or_, select

from ...extensions import db
from ...intake.compare import CONFIRMED, UNINSURED
from ...intake.schemes import MEDICAL_MASK, PENSION_MASK
from ...models import ComparisonResult, ComparisonRun, EnrolledAfterRun
from . import progress

MEASURE = "enrolled_next"


def _closed(before, now, item, mask):
    held = or_(now.schemes.op("&")(mask) != 0, now.insured_elsewhere.is_(True))
    return and_(before.missing.like(f"%{item}%"), ~now.missing.like(f"%{item}%"), held)


def record_run(run):
    """Count the people ``run`` shows enrolled whom an earlier finished run found uninsured.

    One INSERT ... SELECT per earlier run (oldest first, so the first run that found the person
    uninsured is the one named), each an indexed join on (run, ID number). Returns how many people
    were counted.
    """
    earlier = db.session.execute(select(ComparisonRun.id).where(
        ComparisonRun.county_code == run.county_code, ComparisonRun.status == "done",
        ComparisonRun.id < run.id).order_by(ComparisonRun.id)).scalars().all()
    now = ComparisonResult.__table__.alias("now")
    before = ComparisonResult.__table__.alias("before")
    target = EnrolledAfterRun.__table__
    added = 0
    for earlier_id in earlier:
        query = (select(now.c.id_number, before.c.run_id, now.c.run_id, now.c.county_code,
                        func.coalesce(now.c.township_code, ""), func.coalesce(now.c.village_code, ""))
                 .join(before, and_(before.c.id_number == now.c.id_number, before.c.run_id == earlier_id))
                 .where(now.c.run_id == run.id, now.c.status.in_((CONFIRMED, UNINSURED)),
                        before.c.status == UNINSURED,
                        or_(_closed(before.c, now.c, "pension", PENSION_MASK),
                            _closed(before.c, now.c, "medical", MEDICAL_MASK)),
                        ~exists().where(target.c.id_number == now.c.id_number)))
        result = db.session.execute(target.insert().from_select(
            ["id_number", "uninsured_run_id", "enrolled_run_id", "county_code", "township_code", "village_code"],
            query))
        added += max(result.rowcount or 0, 0)
    _bump(run)
    return added


def _bump(run):
    rows = db.session.execute(
        select(EnrolledAfterRun.township_code, EnrolledAfterRun.village_code, func.count())
        .where(EnrolledAfterRun.enrolled_run_id == run.id)
        .group_by(EnrolledAfterRun.township_code, EnrolledAfterRun.village_code)
        .order_by(EnrolledAfterRun.township_code, EnrolledAfterRun.village_code)).all()
    for township, village, count in rows:
        progress.bump(run.county_code, township, village, MEASURE, count)  # today: the run finishes now

