"""A case start writes exactly the rows it always wrote.

Starts are written with prebuilt Core inserts instead of an ORM flush (engine/start_rows.py);
this pins the complete set of rows every kind of start writes (case, timeline, process instance
with its serialized state, inbox rows, progress counters, audit line, notifications, incidents)
to what the ORM path wrote before, captured in tests/data/case_start_rows.json. Ids are counted
from the rows present before the starts, other ids are named by their natural keys, the clock
is frozen, and the engine's random task ids are numbered in order of appearance.
"""
import json
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import JSON, func, select

from webapp import clock
from webapp.extensions import db
from webapp.models import (Area, AuditEvent, Case, CaseEvent, DiagramVersion, Household, InboxTask, Incident,
                           Notification, Person, ProcessInstance, ProgressDaily, ProgressTotal, User)
from webapp.services.admin import process_editing as editing
from webapp.services.admin import process_templates as templates
from webapp.services.casework import cases, starting

from .helpers import user
from .security.probe_diagram import deploy_probe, probe_bpmn

EXPECTED = Path(__file__).parent / "data" / "case_start_rows.json"
FROZEN = datetime(2026, 6, 1, 2, 30, tzinfo=timezone.utc)
NEW_ROW_TABLES = (Case, CaseEvent, ProcessInstance, InboxTask, AuditEvent, Notification, Incident)
COUNTERS = (ProgressDaily, ProgressTotal)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_STATE_CHANGE = re.compile(r'"last_state_change":[0-9.e+-]+')
_USER_COLUMNS = ("actor_id", "assignee_id", "completed_by_id", "visitor_id", "user_id", "resolved_by_id")
# A start whose first automatic step is a service task (the engine writes through the ORM there).
_SERVICE_FIRST = probe_bpmn().replace(
    '<bpmn:scriptTask id="probe_script" name="probe script">',
    '<bpmn:serviceTask id="probe_script" name="probe service"><bpmn:extensionElements>'
    '<spiffworkflow:serviceTaskOperator id="close_problem" resultVariable="closed"><spiffworkflow:parameters /></spiffworkflow:serviceTaskOperator>'
    '</bpmn:extensionElements>').replace(
    "<bpmn:script>x = 1</bpmn:script>\n    </bpmn:scriptTask>", "</bpmn:serviceTask>").replace(
    'xmlns:xsi=', 'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" xmlns:xsi=')


def _max_ids():
    return {model.__tablename__: db.session.execute(select(func.coalesce(func.max(model.id), 0))).scalar()
            for model in NEW_ROW_TABLES}


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


class _Names:
    """Natural keys for the seeded rows new rows point at, and offsets for the new rows."""

    def __init__(self, base):
        self.base = base
        self.uuids = {}

    def read_keys(self):
        """The natural keys, read after the starts (the test adds households and versions)."""
        self.users = dict(db.session.execute(select(User.id, User.username)).all())
        self.households = dict(db.session.execute(select(Household.id, Household.household_number)).all())
        self.people = dict(db.session.execute(select(Person.id, Person.id_number)).all())
        self.versions = dict(db.session.execute(select(DiagramVersion.id, DiagramVersion.process_id)).all())

    def uuid(self, match):
        return self.uuids.setdefault(match.group(0), f"uuid-{len(self.uuids) + 1}")

    def text(self, value):
        return _STATE_CHANGE.sub('"last_state_change":0', _UUID.sub(self.uuid, value))

    def row(self, table, mapping):
        out = {}
        for key, value in mapping.items():
            if key == "id":
                value = value - self.base[table]
            elif key in ("case_id", "instance_id", "inbox_task_id") and value is not None:
                target = {"case_id": "case_file", "instance_id": "process_instance",
                          "inbox_task_id": "inbox_task"}[key]
                value = value - self.base[target]
            elif key == "object_id" and mapping.get("object_type") == "case":
                value = int(value) - self.base["case_file"]
            elif key in _USER_COLUMNS and value is not None:
                value = self.users[value]
            elif key == "household_id" and value is not None:
                value = self.households[value]
            elif key == "person_id" and value is not None:
                value = self.people[value]
            elif key == "diagram_version_id" and value is not None:
                value = self.versions[value]
            elif table == "process_instance" and key == "state":
                # Its JSON value, as json.dumps wrote it when captured (orjson's text may differ, not its value).
                value = self.text(json.dumps(json.loads(value), separators=(",", ":")))
            elif isinstance(value, str):
                value = self.text(value)
            out[key] = _plain(value)
        return out


def _rows_written(names, counters_before):
    names.read_keys()
    written = {}
    for model in NEW_ROW_TABLES:
        table = model.__table__
        # A JSON column reads back None for SQL NULL and for JSON null alike: say which it is.
        nulls = [column.is_(None).label(f"{column.name} is SQL NULL") for column in table.c
                 if isinstance(column.type, JSON)]
        rows = db.session.execute(select(table, *nulls).where(table.c.id > names.base[model.__tablename__])
                                  .order_by(table.c.id)).mappings().all()
        written[model.__tablename__] = [names.row(model.__tablename__, dict(row)) for row in rows]
    for model in COUNTERS:
        after = _counters(model)
        written[model.__tablename__] = sorted(
            [*key, value - counters_before[model.__tablename__].get(key, 0)] for key, value in after.items()
            if value != counters_before[model.__tablename__].get(key, 0))
    return json.loads(json.dumps(written, default=str))


def _counters(model):
    table = model.__table__
    keys = [column for column in table.c if column.name not in ("id", "value")]
    return {tuple(_plain(value) for value in row[:-1]): row[-1]
            for row in db.session.execute(select(*keys, table.c.value)).all()}


def _deploy_template(process_id, **overrides):
    args = dict(template_code="verify_visit", process_id=process_id, name_zh="参保复核走访",
                name_en="Re-verification drive", start_role="township", subject="household",
                step_roles=["village", "township"], step_forms=["investigate", "approve_return"], user=user("admin"))
    args.update(overrides)
    templates.create_from_template(**args)
    db.session.commit()
    files, _draft = editing.editable_files(process_id)
    editing.deploy_edit(process_id, f"{process_id}.bpmn", files[f"{process_id}.bpmn"], user("admin"), "")
    db.session.commit()


def _start_every_kind():
    """Each kind of start, each committed on its own unless said otherwise; the returned cases."""
    admin, agency, township, village1 = user("admin"), user("agency"), user("township"), user("village1")
    village = db.session.get(Area, village1.area_id)
    # Two placed in a village, two known only by their township (distribution places them).
    without_case = [Household(household_number=f"T{index:05d}", head_name=f"户主{index}", county_code=village.county_code,
                              township_code=village.township_code, village_code=village.code if index < 2 else None,
                              address="测试地址") for index in range(4)]
    db.session.add_all(without_case)
    db.session.commit()
    county_area = Area.query.filter_by(level="county").first()
    started = [cases.start_registration_case(without_case[0])]
    db.session.commit()
    started.append(cases.start_registration_case(without_case[1], actor=admin))
    db.session.commit()
    # Two in one transaction, as a bulk job does.
    started.append(cases.start_registration_case(without_case[2], actor=admin))
    started.append(cases.start_registration_case(without_case[3]))
    db.session.commit()
    person = Person.query.filter_by(village_code=village.code).order_by(Person.id).first()
    started.append(cases.start_case("problem", "problem_data", "问题数据：测试", county_area, actor=agency,
                                    payload={"source": "test", "fields": ["name"]}, person=person,
                                    data={"problem_kind": "mismatch"}))
    db.session.commit()
    started.append(cases.start_case("problem", "problem_data", "问题数据：村", village))  # payload None: JSON null
    db.session.commit()
    household = Household.query.filter(Household.village_code == village.code).order_by(Household.id).first()
    started.append(starting.start("recheck_drive", "household", household, township))
    db.session.commit()
    started.append(starting.start("person_call", "person", person, village1))
    db.session.commit()
    deploy_probe(script="x = 1 / 0")  # the start stops at an incident
    started.append(cases.start_case("problem", "probe", "探针：故障", village, actor=agency))
    db.session.commit()
    from webapp import engine

    engine.deploy_bundle("probe", {"probe.bpmn": _SERVICE_FIRST})
    db.session.commit()
    started.append(cases.start_case("problem", "probe", "探针：服务", village, actor=agency,
                                    data={"problem_outcome": "resolved"}))
    db.session.commit()
    return started


def _capture():
    _deploy_template("recheck_drive")
    _deploy_template("person_call", template_code="single_task", subject="person", start_role="village",
                     step_roles=["village"], step_forms=["investigate"])
    names = _Names(_max_ids())
    counters_before = {model.__tablename__: _counters(model) for model in COUNTERS}
    clock.set_now(FROZEN)
    try:
        started = _start_every_kind()
    finally:
        clock.set_now(None)
    return names, _rows_written(names, counters_before), started


def test_every_kind_of_start_writes_the_same_rows_as_before(county):
    _names, written, started = _capture()
    if not EXPECTED.exists():  # first run of a new capture: write it, and fail so it is looked at
        EXPECTED.parent.mkdir(exist_ok=True)
        EXPECTED.write_text(json.dumps(written, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                            encoding="utf-8")
        pytest.fail(f"captured {EXPECTED.name}: check it in")
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    for table in expected:
        assert written[table] == expected[table], table
    assert written == expected
    # What the callers get back works as before: ids, relationships, the current step.
    for case in started:
        fresh = db.session.get(Case, case.id)
        assert fresh is case and case.instances and case.events[0].kind == "started"
        assert case.instances[0].case_id == case.id
    assert [row.task_name for row in started[0].instances[0].case.events] == [None]
