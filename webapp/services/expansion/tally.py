"""The conversion report's maintained counts (``expansion_tally``), kept in the writer's transaction.

Whatever changes many targets at once (a list built or regrouped, a drive opened, a run's
conversions) rebuilds the list's tally in one grouped INSERT ... SELECT; a contact that names a new
staff member moves one target between two keys. Empty keys are stored as '' and 0 so the unique
key can be upserted on both databases.
"""
from sqlalchemy import delete, func, insert, select, update

from ...extensions import db
from ...infra import upserts
from ...models import ExpansionTally, ExpansionTarget

_COLUMNS = ("run_id", "county_code", "township_code", "village_code", "group_code", "drive_id", "staff_id",
            "converted_run_id", "targets")


def rebuild(run_id):
    """Count list ``run_id``'s targets again into its tally rows."""
    t = ExpansionTarget
    keys = (t.run_id, t.county_code, func.coalesce(t.township_code, ""), func.coalesce(t.village_code, ""),
            t.group_code, func.coalesce(t.drive_id, 0), func.coalesce(t.staff_id, 0),
            func.coalesce(t.converted_run_id, 0))
    db.session.execute(delete(ExpansionTally).where(ExpansionTally.run_id == run_id))
    db.session.execute(insert(ExpansionTally).from_select(
        _COLUMNS, select(*keys, func.count()).where(t.run_id == run_id).group_by(*keys)))


def key_of(target):
    """The tally key a target counts under now."""
    return {"run_id": target.run_id, "county_code": target.county_code, "township_code": target.township_code or "",
            "village_code": target.village_code or "", "group_code": target.group_code,
            "drive_id": target.drive_id or 0, "staff_id": target.staff_id or 0,
            "converted_run_id": target.converted_run_id or 0}


def _where(key):
    return [getattr(ExpansionTally, name) == value for name, value in key.items() if name != "county_code"]


def move(before, after):
    """One target went from tally key ``before`` to ``after`` (a contact by a new staff member)."""
    if before == after:
        return
    db.session.execute(update(ExpansionTally).where(*_where(before))
                       .values(targets=ExpansionTally.targets - 1).execution_options(synchronize_session=False))
    # An upsert: two first contacts under the same new key at once both count.
    keys = tuple(name for name in _COLUMNS if name not in ("county_code", "targets"))
    statement = upserts.on_conflict(db.session.get_bind(), ExpansionTally.__table__, keys, ("targets",),
                                    inserted=("county_code",), add=True)
    db.session.execute(statement, {**after, "targets": 1})
