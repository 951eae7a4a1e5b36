"""Printed documents: a household's registration forms PDF and a 6-person case's archive.

    .venv/bin/python bench/bench_pdf.py                    # SQLite (embedded default)
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python bench/bench_pdf.py

Targets (issue 14): a household's PDF <= 2 s; the archive of a 6-person case <= 5 s, here with
three ~250 KB document photos per person (18 photos) from a photo source. The first figure of
each includes WeasyPrint's one-time font loading in a fresh process.
"""
import io
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bench.common import backend_name, scratch_app  # noqa: E402

PERSONS = 6
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))


def _photo(seed):
    """A JPEG of about 250 KB (noise compresses badly, like a photographed document)."""
    from PIL import Image

    rng = random.Random(seed)
    image = Image.frombytes("RGB", (900, 600), bytes(rng.getrandbits(8) for _ in range(900 * 600 * 3)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=40)
    return out.getvalue()


def build_case():
    """A household of six with an audited registration case, forms and a timeline (no engine)."""
    from webapp.extensions import db
    from webapp.areacodes import township_prefix
    from webapp.idnumber import make_id
    from webapp.models import Case, CaseEvent, Household, Person, RegistrationForm, User
    from webapp.models.base import utcnow
    from webapp.services import areas
    from webapp.synthetic import demo

    from webapp.models import Area

    areas.load_rows(areas.generate_county())
    township = Area.query.filter_by(code=areas.township_code(areas.DONGZHI_CODE, 0)).one()
    village = areas.villages_of(township.code)[0]
    demo.create_users(township, [village])
    db.session.flush()
    officer, county = (User.query.filter_by(username=name).one() for name in ("township", "county"))
    visitor = User.query.filter_by(username="village1").one()
    household = Household(household_number=f"{township_prefix(township.code)}000001", head_name="张建国", address="尧渡镇1号",
                          household_type="agricultural", county_code=township.county_code,
                          township_code=township.code, village_code=village.code)
    db.session.add(household)
    names = ["张建国", "李秀英", "张伟", "张芳", "王桂兰", "张磊"]
    relations = ["户主", "配偶", "子", "女", "母亲", "孙子"]
    people = []
    for index in range(PERSONS):
        person = Person(id_number=make_id("341721", date(1950, 1, 1) + timedelta(days=4000 * index), 11 + index),
                        name=names[index], sex="M" if index % 2 == 0 else "F", ethnicity="汉族",
                        relation_to_head=relations[index], household=household, county_code=township.county_code,
                        township_code=township.code, village_code=village.code, hukou_address="尧渡镇1号")
        db.session.add(person)
        people.append(person)
    case = Case(kind="registration", title="张建国户", household=household, county_code=township.county_code,
                township_code=township.code, village_code=village.code, status="completed")
    db.session.add(case)
    db.session.flush()
    for person in people:
        db.session.add(RegistrationForm(case_id=case.id, person_id=person.id, id_number=person.id_number,
                                        name=person.name, data={"sex": person.sex, "ethnicity": "汉族",
                                                                "relation_to_head": person.relation_to_head,
                                                                "household_type": "agricultural", "status": "normal",
                                                                "medical_scheme": "resident_medical",
                                                                "medical_where": "local", "uninsured_reason": "hardship",
                                                                "willing_to_enroll": "yes", "outcome_code": "willing",
                                                                "policy_explained": True, "signature": "signed"}))
    now = utcnow()
    for kind, actor, task, decision in [("started", officer, None, None),
                                        ("task_completed", officer, "assign_household", None),
                                        ("task_completed", visitor, "visit_household", "completed"),
                                        ("task_completed", officer, "first_review", "approve"),
                                        ("task_completed", county, "county_audit_review", "approve"),
                                        ("completed", county, None, None)]:
        db.session.add(CaseEvent(case_id=case.id, kind=kind, actor_id=actor.id, task_name=task,
                                 decision=decision, at=now))
    db.session.commit()
    return case.id, household.id, officer.id, people


def cpu_timed(fn, repeat=1):
    """(median wall seconds, median CPU seconds of this process, last result)."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def main():
    app = scratch_app("pdf")
    # On a shared machine the wall time follows the load; the CPU time is what the work costs.
    print(f"backend: {backend_name(app)}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with app.test_request_context():
        from webapp.documents import archive, registration_form
        from webapp.documents.photos import CasePhoto, set_photo_source
        from webapp.extensions import db
        from webapp.models import Case, Household, User

        case_id, household_id, officer_id, people = build_case()
        photos = {}
        for index, person in enumerate(people):
            for slot, caption in enumerate(("身份证正面", "身份证反面", "户口簿本人页")):
                photos[(person.id_number, caption)] = (slot, _photo(index * 3 + slot))
        size = sum(len(data) for _, data in photos.values())
        set_photo_source(app, lambda case: [
            CasePhoto(next(p.name for p in people if p.id_number == key[0]), key[0], key[1], "image/jpeg", data,
                      (key[0], slot)) for key, (slot, data) in photos.items()])
        print(f"photos: {len(photos)}, {size / 1024:.0f} KB in all")
        officer = db.session.get(User, officer_id)
        household = db.session.get(Household, household_id)
        case = db.session.get(Case, case_id)

        first, first_cpu, data = cpu_timed(lambda: registration_form.household_form_pdf(household, officer))
        warm, warm_cpu, data = cpu_timed(lambda: registration_form.household_form_pdf(household, officer), REPEAT)
        print(f"household forms PDF ({PERSONS} persons, {len(data) / 1024:.0f} KB): first {first:.2f} s "
              f"(CPU {first_cpu:.2f} s), then median {warm:.2f} s (CPU {warm_cpu:.2f} s) (target <= 2 s)")
        db.session.rollback()

        def produce():
            result = archive.produce(case, officer)
            db.session.commit()
            return result

        first, first_cpu, (row, _) = cpu_timed(produce)
        first_hash = row.content_hash
        warm, warm_cpu, (row, same) = cpu_timed(produce, REPEAT)
        print(f"case archive ({PERSONS} persons, {len(photos)} photos, {row.size_bytes / 1024:.0f} KB): "
              f"first {first:.2f} s (CPU {first_cpu:.2f} s), re-production median {warm:.2f} s "
              f"(CPU {warm_cpu:.2f} s) (target <= 5 s); same hash each time: "
              f"{same and row.content_hash == first_hash}")


if __name__ == "__main__":
    main()
