"""Bulk import of staff accounts from an Excel sheet, with a report row by row.

Reading and checking never writes: ``read_sheet`` turns the upload into plain rows and
``check_rows`` says what is wrong with each. ``create_accounts`` then creates the valid rows
(checked again, so a login taken meanwhile is reported, not duplicated) with generated one-time
passwords, which are returned to the caller once and stored only as hashes.
"""
import io
import re
from dataclasses import dataclass, field
from zipfile import BadZipFile

from flask_babel import gettext as _
from openpyxl import load_workbook
from sqlalchemy import func, insert

from ...extensions import db
from ...models import ROLES, Area, User
from ...models.user import hash_password
from .. import audit
from .staff import (GENERATED_HASH, StaffError, area_level_for, generate_password, level_mismatch_message,
                    username_problem)

# The checked rows travel to the confirmation in one form field (Flask reads at most 500 kB of it).
MAX_ROWS = 2000
# Header words people write in the sheet, mapped to our columns (compared without spaces/case).
HEADERS = {
    "name": ("姓名", "name", "displayname", "名字"),
    "username": ("登录名", "login", "username", "用户名", "账号", "帐号"),
    "role": ("角色", "role", "岗位"),
    "area_code": ("区划代码", "areacode", "area", "地区代码", "行政区划代码", "区划"),
}
# Role names as a county writes them; codes are accepted too.
ROLE_NAMES = {
    "村(社区)协理员": "village", "村协理员": "village", "社区协理员": "village", "协理员": "village",
    "村级协理员": "village", "乡镇社保所": "township", "乡镇": "township", "乡镇社保所人员": "township",
    "乡镇工作人员": "township", "社保经办机构": "agency", "经办机构": "agency", "县人社局审核": "county",
    "县级审核": "county", "县人社局": "county", "督查": "supervisor", "督查人员": "supervisor",
    "系统管理员": "admin", "管理员": "admin", "数据提供部门": "data_provider",
}


@dataclass
class ImportRow:
    """One data row of the sheet, what it means and what is wrong with it."""

    row: int  # the row number Excel shows
    name: str
    username: str
    role: str
    area_code: str
    role_code: str | None = None
    area_id: int | None = None
    area_name: str | None = None
    errors: list = field(default_factory=list)

    @property
    def ok(self):
        """True when the row can become an account."""
        return not self.errors

    def plain(self):
        """The row as read, for carrying to the confirmation step."""
        return {"row": self.row, "name": self.name, "username": self.username, "role": self.role,
                "area_code": self.area_code}


def _list(items):
    # TRANSLATORS: the separator between items of a list (", " in English).
    return _("、").join(str(item) for item in items)


def _squash(text):
    return re.sub(r"\s+", "", str(text or "")).lower().replace("（", "(").replace("）", ")")


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an area code Excel stored as a number
    return str(value).strip()


def read_sheet(data):
    """Rows of the first sheet of an .xlsx file given as bytes; StaffError when unreadable.

    The first non-empty row holds the headers (Chinese or English); the four columns may be in
    any order.
    """
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError):
        raise StaffError(_("无法读取该文件，请上传 Excel (.xlsx) 文件。"))
    try:
        sheet = workbook.worksheets[0]
        columns, rows = None, []
        for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            cells = [_text(v) for v in values]
            if not any(cells):
                continue
            if columns is None:
                columns = _header_columns(cells)
                continue
            pick = lambda key: cells[columns[key]] if columns[key] < len(cells) else ""  # noqa: E731
            rows.append(ImportRow(number, pick("name"), pick("username"), pick("role"), pick("area_code")))
            if len(rows) > MAX_ROWS:
                raise StaffError(_("一次最多导入 %(n)s 行，请分批导入。", n=MAX_ROWS))
    finally:
        workbook.close()
    if columns is None:
        raise StaffError(_("表格是空的。"))
    return rows


def _header_columns(cells):
    words = {_squash(word): key for key, names in HEADERS.items() for word in names}
    columns = {}
    for index, cell in enumerate(cells):
        key = words.get(_squash(cell))
        if key and key not in columns:
            columns[key] = index
    missing = [key for key in HEADERS if key not in columns]
    if missing:
        titles = {"name": _("姓名"), "username": _("登录名"), "role": _("角色"), "area_code": _("区划代码")}
        raise StaffError(_("表头缺少以下列：%(cols)s。第一行应为：姓名、登录名、角色、区划代码。",
                           cols=_list(titles[k] for k in missing)))
    return columns


def role_code(text):
    """The role code for a role written as a code or a Chinese name, or None."""
    squashed = _squash(text)
    if squashed in ROLES:
        return squashed
    names = {_squash(name): code for name, code in ROLE_NAMES.items()}
    return names.get(squashed)


def rows_from_plain(items):
    """ImportRows back from ``ImportRow.plain()`` dictionaries (the confirmation post)."""
    rows = []
    for item in items[:MAX_ROWS]:
        try:
            rows.append(ImportRow(int(item["row"]), *(str(item.get(k) or "").strip()
                                                      for k in ("name", "username", "role", "area_code"))))
        except (KeyError, TypeError, ValueError):
            raise StaffError(_("导入数据已损坏，请重新上传文件。"))
    return rows


def _existing_logins(usernames):
    lowered = sorted({u.lower() for u in usernames if u})
    found = set()
    for start in range(0, len(lowered), 500):  # IN lists stay small on every database
        chunk = lowered[start:start + 500]
        found.update(u for (u,) in db.session.query(func.lower(User.username))
                     .filter(func.lower(User.username).in_(chunk)))
    return found


def check_rows(rows):
    """Fill in each row's role, area and errors (no writes); returns ``rows``.

    Errors: empty fields, unknown role, unknown area, area level not fitting the role, a login
    used twice in the file or already in the database. Three queries, whatever the row count.
    """
    codes = {r.area_code for r in rows if r.area_code}
    areas = {}
    code_list = sorted(codes)
    for start in range(0, len(code_list), 500):
        for area in Area.query.filter(Area.code.in_(code_list[start:start + 500])):
            areas[area.code] = area
    taken = _existing_logins(r.username for r in rows)
    first_row = {}
    for r in rows:
        if r.username:
            first_row.setdefault(r.username.lower(), r.row)
    for r in rows:
        empty = [label for label, value in ((_("姓名"), r.name), (_("登录名"), r.username), (_("角色"), r.role),
                                            (_("区划代码"), r.area_code)) if not value]
        if empty:
            r.errors.append(_("以下内容为空：%(fields)s。", fields=_list(empty)))
        if r.name and len(r.name) > 64:
            r.errors.append(_("姓名超过 64 个字。"))
        if r.username:
            problem = username_problem(r.username)
            if problem:
                r.errors.append(problem)
            elif first_row[r.username.lower()] != r.row:
                r.errors.append(_("登录名 %(name)s 与第 %(row)s 行重复。", name=r.username,
                                  row=first_row[r.username.lower()]))
            elif r.username.lower() in taken:
                r.errors.append(_("登录名 %(name)s 已存在于系统中。", name=r.username))
        if r.role:
            r.role_code = role_code(r.role)
            if r.role_code is None:
                r.errors.append(_("未知的角色“%(role)s”。", role=r.role))
            elif r.role_code == "data_provider":
                # The sheet has no department column; a data provider without one could upload nothing.
                r.errors.append(_("数据提供部门的账户须选择所属部门，请在页面上逐个创建。"))
        if r.area_code:
            area = areas.get(r.area_code)
            if area is None:
                r.errors.append(_("未知的区划代码 %(code)s。", code=r.area_code))
            else:
                r.area_id, r.area_name = area.id, area.name
                if r.role_code and area.level != area_level_for(r.role_code):
                    r.errors.append(level_mismatch_message(r.role_code))
    return rows


def create_accounts(actor, rows):
    """Create an account for every valid row (after checking them again).

    Returns ``(created, rejected)``: ``created`` as ``(row, user id, password)`` with the one-time
    password in clear, for the caller to hand out once; ``rejected`` the rows that failed.
    """
    check_rows(rows)
    valid = [r for r in rows if r.ok]
    if not valid:
        return [], rows
    passwords = [generate_password() for _r in valid]
    # Plain rows, not ORM objects: the ORM wants each new account's id back in the order it was
    # added, which SQLite cannot promise for a many-row INSERT, so it sent one INSERT per account.
    # Asked for (login, id) pairs in any order, SQLAlchemy sends them in one batch on both databases.
    accounts = User.__table__
    ids = dict(db.session.execute(insert(accounts).returning(accounts.c.username, accounts.c.id), [
        {"username": r.username, "display_name": r.name, "role": r.role_code, "area_id": r.area_id,
         "active": True, "must_change_password": True, "password_hash": hash_password(password, GENERATED_HASH)}
        for r, password in zip(valid, passwords)]).all())
    created = [(r, ids[r.username], password) for r, password in zip(valid, passwords)]
    audit.write_many(actor, [("user_created", "user", user_id,
                              f"login={r.username} role={r.role_code} area={r.area_code} import row {r.row}")
                             for r, user_id, _password in created]
                     + [("users_imported", "user", None, f"created={len(created)}")])
    return created, [r for r in rows if not r.ok]
