"""Staff accounts: create, edit, disable, reset passwords, list; every change audited.

Services take plain values and raise StaffError with a message for the administrator; the caller
commits. Passwords are never stored in clear and never written to the audit log.
"""
import re
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, or_

from ...extensions import db
from ...intake.mapping import SOURCES
from ...models import ROLES, Area, AuditEvent, InboxTask, User
from ...models.base import utcnow
from .. import audit

# The area level a role's home area must have: lanes pick people by the case's area, so a
# village assistant homed at a township would never see a village task.
ROLE_AREA_LEVEL = {"village": "village", "township": "township"}
COUNTY_LEVEL = "county"
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
# Generated passwords avoid characters people misread on paper (0/O, 1/l/I).
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
GENERATED_LENGTH = 12
# ~69 bits of randomness: stretching adds nothing against guessing such a secret, and the
# default scrypt (0.3 s each) would make a 500-row import take minutes. Chosen passwords keep
# the default; the user replaces this one at first log-in anyway.
GENERATED_HASH = "pbkdf2:sha256:1000"
MIN_PASSWORD_LENGTH = 8
PER_PAGE = 50


class StaffError(Exception):
    """The request cannot be done; the message says why, in the interface language."""


def area_level_for(role):
    """The area level a user of ``role`` must be homed at."""
    return ROLE_AREA_LEVEL.get(role, COUNTY_LEVEL)


def generate_password():
    """A random one-time password with at least one letter and one digit."""
    while True:
        password = "".join(secrets.choice(_ALPHABET) for _i in range(GENERATED_LENGTH))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


def password_problems(password, username=None):
    """What is wrong with a new password (an empty list when it is acceptable)."""
    problems = []
    if len(password or "") < MIN_PASSWORD_LENGTH:
        problems.append(_("密码至少 %(n)s 位。", n=MIN_PASSWORD_LENGTH))
    if not (any(c.isalpha() for c in password or "") and any(c.isdigit() for c in password or "")):
        problems.append(_("密码须同时包含字母和数字。"))
    if username and password and username.lower() in password.lower():
        problems.append(_("密码不能包含登录名。"))
    return problems


def username_problem(username):
    """Why ``username`` cannot be a login, or None."""
    if not username:
        return _("登录名不能为空。")
    if not USERNAME_PATTERN.match(username):
        return _("登录名只能由 2–64 位字母、数字和 _ . - @ 组成。")
    return None


def login_taken(username, exclude_id=None):
    """True when another account has this login (compared without case, so Zhang ≠ zhang is refused)."""
    query = User.query.filter(func.lower(User.username) == username.lower())
    if exclude_id is not None:
        query = query.filter(User.id != exclude_id)
    return db.session.query(query.exists()).scalar()


def check_role_area(role, area):
    """Raise StaffError unless ``role`` is known and ``area`` has the level the role needs."""
    if role not in ROLES:
        raise StaffError(_("未知的岗位。"))
    if area is None:
        raise StaffError(_("所选地区不存在。"))
    if area.level != area_level_for(role):
        raise StaffError(level_mismatch_message(role))


def level_mismatch_message(role):
    """The error shown when a home area's level does not fit ``role``."""
    level = area_level_for(role)
    if level == "village":
        return _("村(社区)协理员的所属地区必须是村或社区。")
    if level == "township":
        return _("乡镇社保所人员的所属地区必须是乡镇。")
    return _("县级岗位的所属地区必须是县。")


def check_department(role, department):
    """The department a data provider belongs to (a known data source), None for other roles."""
    if role != "data_provider":
        return None
    if department not in SOURCES:
        raise StaffError(_("数据提供部门的账户须选择所属部门。"))
    return department


def get_user(user_id):
    """The account with ``user_id`` or StaffError."""
    user = db.session.get(User, user_id)
    if user is None:
        raise StaffError(_("用户不存在。"))
    return user


def create_user(actor, username, display_name, role, area_id, password=None, department=None, must_change=True):
    """Create an account; returns ``(user, password)``.

    Without ``password`` a one-time one is generated. The user must change it at the first log-in
    (``must_change``; the console's ``flask users create`` is the exception: whoever types it there
    is the account's owner); the caller shows it to the administrator once and keeps it nowhere.
    """
    username, display_name = (username or "").strip(), (display_name or "").strip()
    problem = username_problem(username)
    if problem:
        raise StaffError(problem)
    if not display_name or len(display_name) > 64:
        raise StaffError(_("姓名不能为空，且不超过 64 个字。"))
    if login_taken(username):
        raise StaffError(_("登录名 %(name)s 已被使用。", name=username))
    area = db.session.get(Area, area_id) if area_id else None
    check_role_area(role, area)
    department = check_department(role, department)
    generated = not password
    if generated:
        password = generate_password()
    else:
        problems = password_problems(password, username)
        if problems:
            raise StaffError(" ".join(problems))
    user = User(username=username, display_name=display_name, role=role, area=area,
                department=department, active=True, must_change_password=bool(must_change))
    user.set_password(password, GENERATED_HASH if generated else None)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user_created", "user", user.id,
                 detail=f"login={username} role={role} area={area.code}")
    return user, password


def update_user(actor, user_id, display_name, role, area_id, department=None):
    """Change an account's name, role, home area (and a data provider's department); returns the user."""
    user = get_user(user_id)
    display_name = (display_name or "").strip()
    if not display_name or len(display_name) > 64:
        raise StaffError(_("姓名不能为空，且不超过 64 个字。"))
    area = db.session.get(Area, area_id) if area_id else None
    check_role_area(role, area)
    department = check_department(role, department)
    if user.role == "admin" and role != "admin":
        _keep_an_admin(actor, user)
    changes = []
    if user.display_name != display_name:
        changes.append("name")
    if user.role != role:
        changes.append(f"role {user.role}->{role}")
    if user.area_id != area.id:
        changes.append(f"area {user.area.code}->{area.code}")
    if (user.department or None) != department:
        changes.append(f"department {user.department or '-'}->{department or '-'}")
    user.display_name, user.role, user.area, user.department = display_name, role, area, department
    if changes:
        audit.record(actor, "user_updated", "user", user.id, detail="; ".join(changes))
    return user


def _keep_an_admin(actor, user):
    # Without an active administrator nobody could undo the mistake in the browser.
    if user.id == getattr(actor, "id", None):
        raise StaffError(_("不能停用自己的账户或取消自己的管理员岗位。"))
    others = User.query.filter(User.role == "admin", User.active.is_(True), User.id != user.id).count()
    if not others:
        raise StaffError(_("至少要保留一个启用的系统管理员。"))


def open_task_count(user_id):
    """How many open inbox tasks are assigned to the user."""
    return InboxTask.query.filter_by(assignee_id=user_id, state="ready").count()


def set_active(actor, user_id, active):
    """Disable or re-enable an account; returns the user.

    A disabled user cannot log in (their session ends at the next request) and is offered for no
    new work; tasks already assigned to them stay where supervisors can reassign them.
    """
    user = get_user(user_id)
    if bool(user.active) == bool(active):
        return user
    if not active and user.role == "admin":
        _keep_an_admin(actor, user)
    user.active = bool(active)
    detail = None if active else f"open_tasks={open_task_count(user.id)}"
    audit.record(actor, "user_enabled" if active else "user_disabled", "user", user.id, detail=detail)
    return user


def reset_password(actor, user_id, password=None):
    """Give an account a new password (generated when none is given); returns it.

    The user must change it at the next log-in. The audit row says a reset happened, never what to.
    """
    user = get_user(user_id)
    generated = not password
    if generated:
        password = generate_password()
    else:
        problems = password_problems(password, user.username)
        if problems:
            raise StaffError(" ".join(problems))
    user.set_password(password, GENERATED_HASH if generated else None)
    user.must_change_password, user.password_changed_at = True, utcnow()
    audit.record(actor, "password_reset", "user", user.id, detail="generated" if generated else "typed")
    return password


def change_own_password(user, current_password, new_password):
    """The user replaces their password; raises StaffError when the current one is wrong or the new one weak."""
    if not user.check_password(current_password or ""):
        raise StaffError(_("当前密码不正确。"))
    problems = password_problems(new_password, user.username)
    if current_password == new_password:
        problems.append(_("新密码不能与当前密码相同。"))
    if problems:
        raise StaffError(" ".join(problems))
    user.set_password(new_password)
    user.must_change_password, user.password_changed_at = False, utcnow()
    audit.record(user, "password_changed", "user", user.id)


def record_login(user):
    """Remember when the user last logged in."""
    user.last_login_at = utcnow()


@dataclass
class UserFilter:
    """What the administrator asked to see on the users page."""

    role: str | None = None
    area: str | None = None  # part of an area's name
    text: str | None = None  # part of a login or a name
    status: str | None = None  # active / disabled


def _filtered(flt):
    query = User.query.join(Area, User.area_id == Area.id)
    if flt.role in ROLES:
        query = query.filter(User.role == flt.role)
    if flt.area:
        query = query.filter(Area.name.contains(flt.area.strip(), autoescape=True))
    if flt.text:
        text = flt.text.strip()
        query = query.filter(or_(User.username.contains(text, autoescape=True),
                                 User.display_name.contains(text, autoescape=True)))
    if flt.status == "active":
        query = query.filter(User.active.is_(True))
    elif flt.status == "disabled":
        query = query.filter(User.active.is_(False))
    return query


def list_users(flt, page=1, per_page=PER_PAGE):
    """One page of accounts matching ``flt`` (with their areas loaded) and the total count."""
    query = _filtered(flt)
    total = query.with_entities(func.count(User.id)).scalar()
    rows = (query.options(db.contains_eager(User.area)).order_by(User.role, Area.code, User.username)
            .limit(per_page).offset((max(page, 1) - 1) * per_page).all())
    return rows, total


def all_users(flt):
    """Every account matching ``flt``, for the Excel export."""
    return _filtered(flt).options(db.contains_eager(User.area)).order_by(User.role, Area.code, User.username).all()


def area_choices(levels=("county", "township", "village")):
    """Areas as ``(level, [(id, label), ...])`` groups; a village is labelled with its township."""
    areas = Area.query.filter(Area.level.in_(levels)).order_by(Area.code).all()
    names = {a.id: a.name for a in areas}
    groups = {level: [] for level in levels}
    for area in areas:
        parent = names.get(area.parent_id) if area.level == "village" else None
        groups[area.level].append((area.id, f"{parent} · {area.name}" if parent else area.name))
    return groups


def account_history(user_id, limit=20):
    """The latest audit events about an account (what administrators did to it, its log-ins)."""
    return (AuditEvent.query.options(db.joinedload(AuditEvent.user))
            .filter(AuditEvent.object_type == "user", AuditEvent.object_id == str(user_id))
            .order_by(AuditEvent.id.desc()).limit(limit).all())
