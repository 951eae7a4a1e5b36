"""Administration of staff accounts: list, create, edit, disable, reset passwords, bulk import.

Thin routes: the forms validate the shape, services.admin.staff and services.admin.staff_import do the work,
the route commits. A password is shown once in the response to the POST that set it, with
``Cache-Control: no-store``, and is kept nowhere.
"""
import json

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from ..attempts import attempt
from ..auth.decorators import admin_required
from ..exports import xlsx_response
from ..extensions import db
from ..formatting import ROLE_LABELS, localdt
from ..models import ROLES
from ..services import audit
from ..infra import login_throttle
from ..services.admin import staff, staff_import
from . import bp
from .staff_forms import (ActionForm, ImportConfirmForm, ImportUploadForm, PasswordResetForm, UserCreateForm,
                          UserForm, department_choices, role_choices)


ACCOUNT_ACTIONS = {
    "user_created": _l("创建账户"), "user_updated": _l("修改账户"), "user_disabled": _l("停用账户"),
    "user_enabled": _l("重新启用"), "password_reset": _l("重置密码"), "password_changed": _l("本人修改密码"),
    "login": _l("登录"), "login_failed": _l("登录失败"), "account_unlocked": _l("解除锁定"),
}


@bp.app_template_filter("account_action")
def account_action(action):
    """An audited act on an account, in the interface language."""
    return str(ACCOUNT_ACTIONS.get(action, action))


def _filter():
    args = request.args
    return staff.UserFilter(role=args.get("role") or None, area=args.get("area") or None,
                            text=args.get("q") or None, status=args.get("status") or None)


def _locked_logins(users):
    # Log-in locks live with the log-in throttle, in Redis.
    return login_throttle.locked_accounts(u.username for u in users)


@bp.route("/users")
@admin_required
def users():
    """Staff accounts, filtered and paginated, with status and last log-in."""
    flt = _filter()
    page = request.args.get("page", 1, type=int)
    rows, total = staff.list_users(flt, page)
    return render_template("admin/users.html", users=rows, total=total, page=page, per_page=staff.PER_PAGE,
                           flt=flt, roles=role_choices(), locked=_locked_logins(rows), action_form=ActionForm())


@bp.route("/users.xlsx")
@admin_required
def users_export():
    """The filtered account list as an Excel file (no password hashes, of course)."""
    flt = _filter()
    rows = staff.all_users(flt)
    audit.record(current_user, "users_exported", "user", None, detail=f"rows={len(rows)}")
    db.session.commit()
    status = {True: _("启用"), False: _("停用")}
    return xlsx_response("users.xlsx", _("用户"),
                         [_("登录名"), _("姓名"), _("岗位"), _("所属地区"), _("区划代码"), _("状态"), _("最近登录"),
                          _("创建时间")],
                         ([u.username, u.display_name, str(ROLE_LABELS.get(u.role, u.role)), u.area.name, u.area.code,
                           status[bool(u.active)], localdt(u.last_login_at), localdt(u.created_at)] for u in rows))


def _fill(form):
    form.role.choices = role_choices()
    form.department.choices = department_choices()
    groups = staff.area_choices()
    form.area_id.choices = [(area_id, label) for options in groups.values() for area_id, label in options]
    return groups


def _password_page(user, password, created):
    response = make_response(render_template("admin/user_password.html", user=user, password=password,
                                             created=created))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def user_new():
    """Create an account; its one-time password is shown once."""
    form = UserCreateForm()
    groups = _fill(form)
    if form.validate_on_submit():
        with attempt(staff.StaffError) as created:
            user, password = staff.create_user(current_user, form.username.data, form.display_name.data,
                                               form.role.data, form.area_id.data, form.password.data or None,
                                               form.department.data or None)
        if created:
            return _password_page(user, password, created=True)
    return render_template("admin/user_form.html", form=form, groups=groups, user=None,
                           levels=_role_levels())


def _role_levels():
    # JSON for the page script that offers only areas of the fitting level (staff.js).
    return json.dumps({role: staff.area_level_for(role) for role in ROLES})


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_edit(user_id):
    """An account: change name, role and home area; reset its password; disable or re-enable it."""
    try:
        user = staff.get_user(user_id)
    except staff.StaffError:
        return render_template("errors/error.html", code=404, message=_("用户不存在。")), 404
    form = UserForm(obj=user) if request.method == "GET" else UserForm()
    groups = _fill(form)
    if form.validate_on_submit():
        with attempt(staff.StaffError, done=_("已保存 %(name)s 的账户信息。", name=user.username)) as saved:
            staff.update_user(current_user, user.id, form.display_name.data, form.role.data, form.area_id.data,
                              form.department.data or None)
        if saved:
            return redirect(url_for("admin.user_edit", user_id=user.id))
    return render_template("admin/user_form.html", form=form, groups=groups, user=user, levels=_role_levels(),
                           reset_form=PasswordResetForm(), action_form=ActionForm(),
                           open_tasks=staff.open_task_count(user.id), history=staff.account_history(user.id),
                           locked=_locked_logins([user]))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@admin_required
def user_set_active(user_id):
    """Disable (``active=0``) or re-enable (``active=1``) an account."""
    form = ActionForm()
    if not form.validate_on_submit():
        return render_template("errors/error.html", code=400, message=_("表单已过期，请刷新页面后重试。")), 400
    active = request.form.get("active") == "1"
    with attempt(staff.StaffError) as changed:
        user = staff.set_active(current_user, user_id, active)
    if changed:
        if active:
            flash(_("已启用 %(name)s。", name=user.username), "success")
        else:
            flash(_("已停用 %(name)s：该用户不能再登录，也不会再被分配任务；其 %(n)s 项未办结任务仍可由督查人员改派。",
                    name=user.username, n=staff.open_task_count(user.id)), "success")
    return redirect(request.form.get("next") if (request.form.get("next") or "").startswith("/admin/users")
                    else url_for("admin.user_edit", user_id=user_id))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@admin_required
def user_reset_password(user_id):
    """Reset an account's password; the new one is shown once and must be changed at next log-in."""
    form = PasswordResetForm()
    if form.validate_on_submit():
        with attempt(staff.StaffError) as reset:
            password = staff.reset_password(current_user, user_id, form.password.data or None)
        if reset:
            return _password_page(staff.get_user(user_id), password, created=False)
    return redirect(url_for("admin.user_edit", user_id=user_id))


@bp.route("/users/import", methods=["GET", "POST"])
@admin_required
def users_import():
    """Upload a sheet of staff; show the row-by-row report before anything is created."""
    form = ImportUploadForm()
    rows, error = None, None
    if form.validate_on_submit():
        try:
            rows = staff_import.check_rows(staff_import.read_sheet(form.file.data.read()))
        except staff_import.StaffError as err:
            error = str(err)
    return _import_page(form, rows, error)


def _import_page(form, rows, error=None):
    valid = [r for r in rows if r.ok] if rows is not None else []
    confirm = ImportConfirmForm(rows=json.dumps([r.plain() for r in valid], ensure_ascii=False)) if valid else None
    return render_template("admin/users_import.html", form=form, rows=rows, error=error, valid=valid,
                           bad=[r for r in rows or [] if not r.ok], confirm=confirm)


@bp.route("/users/import/confirm", methods=["POST"])
@admin_required
def users_import_confirm():
    """Create the confirmed rows; the answer is the Excel of initial passwords, made this once."""
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        return render_template("errors/error.html", code=400, message=_("表单已过期，请重新上传文件。")), 400
    try:
        rows = staff_import.rows_from_plain(json.loads(form.rows.data))
        created, rejected = staff_import.create_accounts(current_user, rows)
    except (staff_import.StaffError, ValueError, TypeError) as err:
        db.session.rollback()
        message = str(err) if isinstance(err, staff_import.StaffError) else _("导入数据已损坏，请重新上传文件。")
        return _import_page(ImportUploadForm(), None, message)
    if not created:
        db.session.rollback()
        return _import_page(ImportUploadForm(), rejected, _("没有可以创建的账户（登录名可能刚被占用）。"))
    sheet = [[r.row, r.name, r.username, str(ROLE_LABELS.get(r.role_code, r.role_code)), r.area_name,
              r.area_code, password] for r, _user_id, password in created]
    db.session.commit()
    flash(_("已创建 %(n)s 个账户，初始密码表已下载；用户首次登录时须修改密码。", n=len(created)), "success")
    if rejected:
        flash(_("%(n)s 行在确认时未通过检查，未创建，请修正后重新导入。", n=len(rejected)), "error")
    response = xlsx_response("initial-passwords.xlsx", _("初始密码"),
                             [_("行号"), _("姓名"), _("登录名"), _("岗位"), _("所属地区"), _("区划代码"), _("初始密码")], sheet)
    response.headers["Cache-Control"] = "no-store"
    return response
