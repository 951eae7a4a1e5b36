"""What creating 500 imported staff accounts costs: the confirmation's service call and commit
(webapp/services/admin/staff_import.create_accounts), CPU and wall time and statements sent.

    .venv/bin/python bench/bench_staff_import.py            # SQLite (a temp file)
    DATABASE_URL=postgresql://.../bench_x .venv/bin/python bench/bench_staff_import.py   # WIPED

Prints figures (best of BENCH_REPEAT rounds, each with fresh logins); it is not a test.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import event  # noqa: E402

from bench.common import scratch_app  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", "500"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))


def main():
    from webapp.extensions import db
    from webapp.models import Area, User
    from webapp.services import areas
    from webapp.services.admin import staff_import

    app = scratch_app("staff-import")
    with app.app_context():
        areas.load_rows(areas.generate_county())
        county = Area.query.filter_by(level="county").first()
        admin = User(username="admin", display_name="admin", role="admin", area_id=county.id)
        admin.set_password("x", "pbkdf2:sha256:1000")
        db.session.add(admin)
        db.session.commit()
        villages = [a.code for a in Area.query.filter_by(level="village").order_by(Area.code)]
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(1))
        best_cpu = best_wall = None
        for round_ in range(REPEAT):
            rows = staff_import.rows_from_plain(
                [{"row": i + 2, "name": f"协理员{i:03d}", "username": f"r{round_}x{i:03d}", "role": "村(社区)协理员",
                  "area_code": villages[i % len(villages)]} for i in range(ROWS)])
            with app.test_request_context():
                statements.clear()
                cpu, wall = time.process_time(), time.perf_counter()
                created, rejected = staff_import.create_accounts(admin, rows)
                db.session.commit()
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            assert len(created) == ROWS and not rejected
            best_cpu = cpu if best_cpu is None else min(best_cpu, cpu)
            best_wall = wall if best_wall is None else min(best_wall, wall)
            print(f"round {round_ + 1}: {ROWS} accounts in {cpu * 1000:.0f} ms CPU, {wall * 1000:.0f} ms wall, "
                  f"{len(statements)} statements")
        print(f"{db.engine.dialect.name}: best {best_cpu * 1000:.0f} ms CPU, {best_wall * 1000:.0f} ms wall "
              f"for {ROWS} accounts")


if __name__ == "__main__":
    main()
