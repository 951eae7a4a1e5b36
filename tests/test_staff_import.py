"""Bulk import of staff from an Excel sheet: a report row by row before anything is created,
the valid rows created on confirmation with a one-time Excel of initial passwords, and 500 rows
checked in a fixed number of statements and created in at most two a row."""
import io

from openpyxl import Workbook, load_workbook

from webapp.extensions import db
from webapp.models import Area, AuditEvent, User

from .helpers import QueryCounter, user

TOWNSHIP_CODE = "341721100000"


def _sheet(rows, headers=("姓名", "登录名", "角色", "区划代码")):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def _upload(client, buffer, name="staff.xlsx"):
    return client.post("/admin/users/import", {"file": (buffer, name)}, token_from="/admin/users/import",
                       content_type="multipart/form-data")


def _villages():
    township = Area.query.filter_by(code=TOWNSHIP_CODE).one()
    return Area.query.filter_by(parent_id=township.id).order_by(Area.code).all()


def _confirm(client, html):
    import html as html_lib
    import re

    rows = re.search(r'name="rows" type="hidden" value="([^"]*)"', html) or \
        re.search(r'type="hidden" name="rows" value="([^"]*)"', html) or re.search(r'id="rows" name="rows" type="hidden" value="([^"]*)"', html)
    assert rows, "no confirmation form"
    return client.post("/admin/users/import/confirm", {"rows": html_lib.unescape(rows.group(1))},
                       token_from="/admin/users/import")


def test_bad_rows_are_reported_with_their_row_numbers_and_only_valid_rows_are_created(county, client,
                                                                                      make_client):
    villages = _villages()
    client.login("admin")
    buffer = _sheet([
        ("王小明", "wangxm", "村(社区)协理员", villages[3].code),         # 2 ok (Chinese role name)
        ("李四", "lisi", "township", TOWNSHIP_CODE),                      # 3 ok (code)
        ("赵六", "zhaoliu", "村长", villages[4].code),                     # 4 unknown role
        ("钱七", "qianqi", "village", "341721999999"),                     # 5 unknown area
        ("孙八", "sunba", "村(社区)协理员", TOWNSHIP_CODE),                # 6 level does not fit
        ("周九", "WangXM", "village", villages[5].code),                   # 7 duplicate of row 2 in the file
        ("吴十", "village1", "village", villages[5].code),                 # 8 already in the database
        ("", "kong", "village", villages[5].code),                         # 9 empty name
        ("郑一", "zhengyi", "", None),                                     # 10 empty role and area
        ("冯二", "fenger", "乡镇社保所", int(TOWNSHIP_CODE)),              # 11 ok (code stored as a number)
        ("褚三", "chusan", "数据提供部门", "341721000000"),                # 12 data provider: no department column
    ])
    response = _upload(client, buffer)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "共 11 行：3 行可以导入，8 行有问题。" in html
    expected = {4: "未知的角色“村长”", 5: "未知的区划代码 341721999999", 6: "村(社区)协理员的所属地区必须是村或社区",
                7: "与第 2 行重复", 8: "已存在于系统中", 9: "以下内容为空：姓名", 10: "以下内容为空：角色、区划代码",
                12: "须选择所属部门"}
    import re
    for row, message in expected.items():
        found = re.search(rf'<tr data-row="{row}">(.*?)</tr>', html, re.S)
        assert found and message in found.group(1), (row, message)
    # Nothing is created before the administrator confirms.
    assert User.query.filter(User.username.in_(["wangxm", "lisi", "fenger"])).count() == 0

    answer = _confirm(client, html)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert "attachment" in answer.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(answer.data)).active
    passwords = {row[2]: row[6] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(passwords) == {"wangxm", "lisi", "fenger"}
    db.session.expire_all()
    created = user("wangxm")
    assert created.role == "village" and created.area.code == villages[3].code and created.must_change_password
    assert user("fenger").role == "township" and user("fenger").area.code == TOWNSHIP_CODE
    assert all(passwords[login] not in user(login).password_hash for login in passwords)
    events = AuditEvent.query.filter_by(action="user_created").all()
    assert len(events) == 3 and all(e.user_id == user("admin").id for e in events)
    assert not any(p in (e.detail or "") for e in events for p in passwords.values())

    person = make_client()
    person.login("wangxm", passwords["wangxm"])
    assert person.get("/inbox").headers["Location"].endswith("/password")

    # Posting the confirmation again creates nothing twice.
    again = _confirm(client, html)
    assert "已存在于系统中" in again.get_data(as_text=True)
    assert User.query.filter_by(username="wangxm").count() == 1


def test_english_headers_and_unreadable_files(county, client):
    client.login("admin")
    villages = _villages()
    ok = _upload(client, _sheet([("A 人", "a1", "village", villages[3].code)],
                                headers=("Login", "Name", "Role", "Area code")))
    # Columns are found by their headers, in any order: here the login column holds "A 人".
    assert "登录名只能由" in ok.get_data(as_text=True)
    missing = _upload(client, _sheet([("x", "y")], headers=("姓名", "电话")))
    assert "表头缺少以下列：登录名、角色、区划代码" in missing.get_data(as_text=True)
    garbage = _upload(client, io.BytesIO(b"not an excel file"))
    assert "无法读取该文件" in garbage.get_data(as_text=True)
    wrong_type = _upload(client, io.BytesIO(b"a,b"), name="staff.csv")
    assert "只接受 .xlsx 文件" in wrong_type.get_data(as_text=True)


def test_a_tampered_confirmation_is_checked_again(county, client):
    import json

    client.login("admin")
    tampered = json.dumps([{"row": 2, "name": "坏人", "username": "evil", "role": "admin",
                            "area_code": _villages()[3].code}])
    response = client.post("/admin/users/import/confirm", {"rows": tampered}, token_from="/admin/users/import")
    assert "县级岗位的所属地区必须是县" in response.get_data(as_text=True)
    assert User.query.filter_by(username="evil").count() == 0
    broken = client.post("/admin/users/import/confirm", {"rows": "{not json"}, token_from="/admin/users/import")
    assert "导入数据已损坏" in broken.get_data(as_text=True)


def test_five_hundred_village_assistants_import_without_a_lookup_per_row(county, client):
    # Speed is the bench's to prove (a wall-clock limit flakes on a busy machine); what this pins
    # is the shape that makes 500 rows quick: the check and the creation each send a fixed number of
    # statements, whatever the row count (no lookup per row, the accounts and their audit lines
    # inserted in batches, not one INSERT each).
    villages = Area.query.filter_by(level="village").order_by(Area.code).all()
    rows = [(f"协理员{i:03d}", f"xly{i:03d}", "村(社区)协理员", villages[i % len(villages)].code) for i in range(500)]
    client.login("admin")
    with QueryCounter(db.engine) as checking:
        html = _upload(client, _sheet(rows)).get_data(as_text=True)
    assert "共 500 行：500 行可以导入，0 行有问题。" in html
    with QueryCounter(db.engine) as creating:
        answer = _confirm(client, html)
    assert answer.status_code == 200
    assert User.query.filter(User.username.like("xly%")).count() == 500
    # Each audit line names the account it was written for (the ids came back in one batch).
    accounts = dict(db.session.query(User.username, User.id).filter(User.username.like("xly%")))
    events = AuditEvent.query.filter_by(action="user_created").all()
    assert {e.detail.split()[0].removeprefix("login="): int(e.object_id) for e in events} == accounts
    print(f"\n500 rows: {checking.count} statements to check, {creating.count} to create")
    assert checking.count < 20
    # 4 reads (the signed-in user, the check again) and one batched INSERT each for the accounts
    # and for their audit lines, on SQLite and PostgreSQL alike (before: an INSERT per account and
    # one per audit line on SQLite, 1,005 statements).
    assert creating.count <= 6
