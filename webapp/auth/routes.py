"""Logging in and out, and choosing the interface language."""
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..models import User
from ..redirects import safe_next
from ..services import audit
from ..infra import login_throttle
from ..services.admin import staff
from .forms import LoginForm
from . import bp


def _lock_message(lock):
    minutes = max(1, -(-lock.seconds // 60))
    if lock.scope == "account":
        return _("登录失败次数过多，该账户已被暂时锁定。请在 %(minutes)s 分钟后再试，或请系统管理员解锁。",
                 minutes=minutes)
    return _("本机登录失败次数过多，已暂停登录。请在 %(minutes)s 分钟后再试。", minutes=minutes)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show and check the log-in form."""
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    form = LoginForm()
    if form.validate_on_submit():
        username, address = form.username.data.strip()[:64], request.remote_addr
        lock = login_throttle.lock_for(username, address)
        if lock is not None:
            # Refused before the password is checked: while locked, even the right one fails.
            flash(_lock_message(lock), "error")
            return render_template("auth/login.html", form=form), 429
        user = User.query.filter_by(username=username).one_or_none()
        if user is None or not user.active or not user.check_password(form.password.data):
            audit.record(user, "login_failed", "user", username)
            locked = login_throttle.record_failure(user, username, address)
            db.session.commit()
            if locked:  # this failure reached the limit: say so now, not at the next try
                flash(_lock_message(login_throttle.Lock(locked[0], current_app.config["LOGIN_LOCK_SECONDS"])),
                      "error")
                return render_template("auth/login.html", form=form), 429
            flash(_("用户名或密码错误。"), "error")
            return render_template("auth/login.html", form=form), 401
        login_user(user)
        staff.record_login(user)
        login_throttle.clear_account(username)
        audit.record(user, "login", "user", user.id)
        db.session.commit()
        return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out (a POST, so a link on another site cannot log the user out)."""
    logout_user()
    response = redirect(url_for("auth.login"))
    # Wipes the offline app's encrypted store, its caches and service worker from this browser.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/language/<code>", methods=["POST"])
def set_language(code):
    """Switch the interface language for this browser session."""
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
    return redirect(safe_next(request.form.get("next")))
