"""Logging in and out, and choosing the interface language."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..models import User
from ..services import audit, staff
from .forms import LoginForm

bp = Blueprint("auth", __name__)


def _safe_next(target):
    # Only same-site paths: an open redirect would let a phishing link reuse our login page.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("inbox.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show and check the log-in form."""
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = User.query.filter_by(username=form.username.data.strip()).one_or_none()
        if user is None or not user.active or not user.check_password(form.password.data):
            audit.record(user, "login_failed", "user", form.username.data.strip()[:64])
            db.session.commit()
            flash(_("用户名或密码错误。"), "error")
            return render_template("auth/login.html", form=form), 401
        login_user(user)
        staff.record_login(user)
        audit.record(user, "login", "user", user.id)
        db.session.commit()
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out (a POST, so a link on another site cannot log the user out)."""
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/language/<code>", methods=["POST"])
def set_language(code):
    """Switch the interface language for this browser session."""
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
    return redirect(_safe_next(request.form.get("next")))


from . import password  # noqa: E402,F401 - registers the change-password page and its hook
