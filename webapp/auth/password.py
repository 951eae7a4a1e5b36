"""Changing one's own password, and holding users to it after an administrator set theirs.

A before-request hook sends a user whose password an administrator set (initial or reset) to the
change-password page until they change it; only that page, logging out, the language switch and
static files stay reachable.
"""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..request_context import this_request, this_user
from ..services.admin import staff
from .forms import ChangePasswordForm
from . import bp

ALLOWED_WHILE_FORCED = {"auth.change_password", "auth.logout", "auth.set_language", "static"}


@bp.before_app_request
def require_password_change():
    """Redirect to the change-password page while the user must change their password."""
    # The endpoint first: a static file (or another always-allowed page) needs no user loaded here,
    # so a stylesheet or script sends no statement to the database.
    if this_request().endpoint in ALLOWED_WHILE_FORCED:
        return None
    user = this_user()
    if user.is_authenticated and getattr(user, "must_change_password", False):
        return redirect(url_for("auth.change_password"))
    return None


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """The user chooses a new password (required after an administrator set one)."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            staff.change_own_password(current_user, form.current_password.data, form.new_password.data)
        except staff.StaffError as err:
            form.new_password.errors.append(str(err))
        else:
            db.session.commit()
            flash(_("密码已修改。"), "success")
            return redirect(url_for("inbox.index"))
    return render_template("auth/change_password.html", form=form, forced=current_user.must_change_password,
                           min_length=staff.MIN_PASSWORD_LENGTH)
