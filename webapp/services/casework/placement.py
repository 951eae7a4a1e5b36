"""Households no village matched (待定位): county staff place them, then they follow the normal path.

A registration case whose household address matched no village has no township, so no township
pool would ever see its distribution task. County staff see these cases in one queue and choose
the village; the case, its household, members and open tasks then carry that township and
village, and the township distributes it like any other.
"""
from flask_babel import gettext as _

from ...extensions import db
from ...models import Area, Case, InboxTask
from .. import audit
from . import cases
from .tasks import TaskRefused

PLACING_ROLES = ("county", "admin")


def unplaced_cases(user):
    """Open registration cases of ``user``'s county with no township yet."""
    return (Case.query.filter(Case.county_code == user.area.county_code, Case.kind == "registration",
                              Case.status != "completed", Case.township_code.is_(None))
            .order_by(Case.id))


def villages_of_county(county_code):
    """Every village of the county with its township, for the placing form."""
    return (Area.query.filter(Area.level == "village", Area.code.like(county_code + "%"))
            .order_by(Area.code).all())


def place_case(case, village_code, actor):
    """Put an unplaced case (and its household, members and open tasks) in ``village_code``."""
    if case.township_code is not None or case.kind != "registration":
        raise TaskRefused(_("此案件已有所属乡镇，无需定位。"))
    village = Area.query.filter_by(code=village_code, level="village").one_or_none()
    if village is None or village.county_code != case.county_code:
        raise TaskRefused(_("请选择本县的村(社区)。"))
    township, code = village.township_code, village.code
    case.township_code, case.village_code = township, code
    household = case.household
    if household is not None:
        household.township_code, household.village_code = township, code
        for person in household.persons:
            person.township_code, person.village_code = township, code
    InboxTask.query.filter(InboxTask.case_id == case.id, InboxTask.state == "ready").update(
        {"township_code": township, "village_code": code}, synchronize_session=False)
    cases.add_event(case, "placed", actor, comment=village.name)
    audit.record(actor, "place_case", "case", case.id, detail=code)
    db.session.flush()
    return village
