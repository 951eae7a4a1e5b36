"""Target lists (扩面对象名单): the uninsured of a comparison run, with what the rules group by.

A run's list is built once (a job for a county; the same run twice builds nothing new). Each
uninsured person of the run becomes a target carrying the attributes the rules read: age and sex
(from the ID number, at the run's date), the household register's household type, occupation,
population kind (户籍 / 流动人口) and current address (outside the county: works away), whether the
social insurance file shows an ended employee enrollment (a former employer), what is missing,
and whether the village is a town community or a rural village. The department files are read
once here; regrouping after a rule change is one UPDATE (rules.regroup).
"""
from sqlalchemy import func, select

from ... import idnumber
from ...extensions import db
from ...infra.bulk import insert_tuples
from ...models import Area, ComparisonResult, ComparisonRun, ExpansionTarget, ImportBatch
from ..intake.importing import batch_chunks
from . import rules

_EMPLOYEE_SCHEMES = frozenset(("enterprise_pension", "employee_medical", "civil_service_pension", "unemployment",
                               "work_injury", "maternity"))
_COLUMNS = ["run_id", "id_number", "name", "household_no", "sex", "age", "hukou_type", "occupation", "registered",
            "works_away", "former_employer", "missing", "schemes", "area_kind", "group_code", "county_code",
            "township_code", "village_code"]


class TargetsRefused(Exception):
    """A list cannot be built; the message says why in the user's language."""


def latest_done_run(county_code):
    """The county's latest finished comparison run, or None."""
    return (ComparisonRun.query.filter_by(county_code=county_code, status="done")
            .order_by(ComparisonRun.as_of.desc(), ComparisonRun.id.desc()).first())


def list_runs(county_code):
    """The runs of the county that have a target list, newest first: [(run, target count)]."""
    rows = (db.session.query(ComparisonRun, func.count(ExpansionTarget.id))
            .join(ExpansionTarget, ExpansionTarget.run_id == ComparisonRun.id)
            .filter(ComparisonRun.county_code == county_code)
            .group_by(ComparisonRun.id).order_by(ComparisonRun.id.desc()).all())
    return rows


def has_list(run_id):
    """True when run ``run_id`` already has its target list."""
    return db.session.query(ExpansionTarget.id).filter_by(run_id=run_id).first() is not None


def _register_attributes(batches, wanted, county_name):
    """{id: (hukou_type, occupation, registered, works_away)} from the run's household register batches."""
    found = {}
    for batch in batches:
        if batch.source != "public_security":
            continue
        for chunk in batch_chunks(batch):
            columns = chunk.columns
            size = len(columns["id_number"])
            empty = [None] * size
            for id_number, hukou, job, kind, current in zip(
                    columns["id_number"], columns.get("hukou_type", empty), columns.get("occupation", empty),
                    columns.get("register_kind", empty), columns.get("current_address", empty)):
                if id_number in wanted:
                    # Lives outside the county: a current address that does not name it.
                    away = bool(current) and bool(county_name) and county_name not in current
                    found[id_number] = (hukou, (job or None) and job[:32], kind != "non_registered", away)
    return found


def _former_employees(batches, wanted):
    """The wanted IDs with an ended employee-scheme enrollment naming an employer."""
    found = set()
    for batch in batches:
        if batch.source != "social_insurance":
            continue
        for chunk in batch_chunks(batch):
            columns = chunk.columns
            empty = [None] * len(columns["id_number"])
            for id_number, scheme, status, employer in zip(
                    columns["id_number"], columns.get("scheme", empty), columns.get("enroll_status", empty),
                    columns.get("employer", empty)):
                if id_number in wanted and status == "terminated" and employer and scheme in _EMPLOYEE_SCHEMES:
                    found.add(id_number)
    return found


def _age(id_number, as_of):
    try:
        born = idnumber.birth_date(id_number)
    except ValueError:
        return None
    return as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))


def _area_kinds(county_code):
    """{village code: town / countryside} from how each village calls itself (社区 / 村)."""
    kinds = {}
    for code, kind in db.session.execute(select(Area.code, Area.kind).where(
            Area.level == "village", Area.code.like(county_code + "%"))):
        kinds[code] = "town" if kind == "community" else "countryside" if kind == "village" else None
    return kinds


def build_list(run_id):
    """Build the target list of done run ``run_id`` (nothing new if it has one); returns its size."""
    run = db.session.get(ComparisonRun, run_id)
    if run is None or run.status != "done":
        raise TargetsRefused("run not done")
    existing = db.session.query(func.count(ExpansionTarget.id)).filter_by(run_id=run.id).scalar()
    if existing:
        return existing
    uninsured = db.session.execute(
        select(ComparisonResult.id_number, ComparisonResult.name, ComparisonResult.household_no,
               ComparisonResult.missing, ComparisonResult.schemes, ComparisonResult.township_code,
               ComparisonResult.village_code)
        .where(ComparisonResult.run_id == run.id, ComparisonResult.status == "uninsured")).all()
    wanted = {row.id_number for row in uninsured}
    batches = ImportBatch.query.filter(ImportBatch.id.in_(run.batch_ids or [-1])).order_by(ImportBatch.id).all()
    county = Area.query.filter_by(level="county").filter(Area.code.like(run.county_code + "%")).first()
    register = _register_attributes(batches, wanted, county.name if county else None)
    former = _former_employees(batches, wanted)
    kinds = _area_kinds(run.county_code)
    rows = []
    for row in uninsured:
        hukou, job, registered, away = register.get(row.id_number, (None, None, True, False))
        rows.append((run.id, row.id_number, row.name, row.household_no, idnumber.sex(row.id_number),
                     _age(row.id_number, run.as_of), hukou, job, registered, away, row.id_number in former,
                     row.missing or "", row.schemes or 0, kinds.get(row.village_code), rules.FALLBACK,
                     run.county_code, row.township_code, row.village_code))
    insert_tuples(ExpansionTarget, _COLUMNS, rows)
    rules.regroup(run.id, run.county_code)
    return len(rows)


def filtered(run_id, user_condition, group=None, township=None, village=None):
    """A query of a list's targets inside the user's area (``user_condition``), filtered."""
    query = ExpansionTarget.query.filter(ExpansionTarget.run_id == run_id, user_condition)
    if group:
        query = query.filter(ExpansionTarget.group_code == group)
    if township:
        query = query.filter(ExpansionTarget.township_code == township)
    if village:
        query = query.filter(ExpansionTarget.village_code == village)
    return query


def counts_by_group(query):
    """{group code: targets} of a filtered target query (one grouped pass)."""
    rows = query.with_entities(ExpansionTarget.group_code, func.count(ExpansionTarget.id)) \
        .group_by(ExpansionTarget.group_code).order_by(None).all()
    return dict(rows)

