"""The Flask application factory."""
import os

from flask import Flask, g, has_request_context, session
from flask_login import current_user

from config import Config
from .extensions import babel, csrf, db, login_manager, migrate


def select_locale():
    """The interface language: the user's choice, else Simplified Chinese."""
    if not has_request_context():  # the command line and workers speak the default language
        return "zh_Hans_CN"
    chosen = session.get("locale")
    if chosen:
        return chosen
    # The user's language as loaded with the user: after a commit the user object is expired,
    # and asking it again would load the user a second time in the same request.
    chosen = g.get("_user_locale")
    if chosen is None and current_user and getattr(current_user, "is_authenticated", False):
        chosen = current_user.locale
    return chosen or "zh_Hans_CN"


def create_app(config=Config):
    """Build the application for ``config`` (a class or an object with upper-case settings)."""
    app = Flask(__name__, instance_path=getattr(config, "INSTANCE_DIR", None))
    app.config.from_object(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.secret_key()
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=os.path.join(app.root_path, "translations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    from . import security_headers, sqlite_pragmas
    sqlite_pragmas.install(app)
    security_headers.install(app)

    from sqlalchemy import bindparam, select

    from .models import User

    # Every request loads its user: one statement built once (with the user's area, which every
    # page's header and every scoped query needs), so SQLAlchemy's compiled cache answers it;
    # Session.get with options built and keyed the query anew each time (0.66 -> 0.37 ms).
    user_by_id = select(User).options(db.joinedload(User.area)).where(User.id == bindparam("user_id"))

    @login_manager.user_loader
    def load_user(user_id):
        user = db.session.execute(user_by_id, {"user_id": int(user_id)}).scalar_one_or_none()
        if user is None or not user.active:
            return None
        g._user_locale = user.locale or ""
        return user

    _register_blueprints(app)
    _register_template_helpers(app)

    from .cli import register_cli
    register_cli(app)

    from .services.casework import operations
    operations.register_operations()
    return app


def _register_blueprints(app):
    from .auth import bp as auth_bp
    from .inbox import bp as inbox_bp
    from .cases import bp as cases_bp
    from .registry import bp as registry_bp
    from .admin import bp as admin_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(registry_bp)
    from .search import bp as search_bp  # the header search box
    app.register_blueprint(search_bp)
    app.register_blueprint(admin_bp)
    # Deadlines: the supervisor console (with the admins' queue dashboard) and notifications.
    from .supervision import bp as supervision_bp
    from .notifications import bp as notifications_bp

    app.register_blueprint(supervision_bp)
    app.register_blueprint(notifications_bp)
    from .dashboard import bp as dashboard_bp; app.register_blueprint(dashboard_bp)  # noqa: E702 - progress, bulletins
    from .intake_web import bp as intake_bp  # department data intake and comparison

    app.register_blueprint(intake_bp)
    from .offline import bp as offline_bp  # the assistant's offline visit app and document photos

    app.register_blueprint(offline_bp)
    from .processes import bp as processes_bp; app.register_blueprint(processes_bp)  # noqa: E702 - diagrams, versions
    from .printing import bp as printing_bp  # the registration form PDFs and case archives

    app.register_blueprint(printing_bp)
    from .documents.photos import set_photo_source
    from .services.casework.photos import archive_photos

    set_photo_source(app, archive_photos)  # archives include the photos the phones uploaded
    from .changes import bp as changes_bp; app.register_blueprint(changes_bp)  # noqa: E702 - change requests


def _register_template_helpers(app):
    from flask import render_template
    from flask_babel import gettext as _
    from flask_wtf.csrf import CSRFError

    from . import formatting

    formatting.register(app)
    from . import translation_cache

    translation_cache.install(app)
    from . import url_cache

    url_cache.install(app)

    def page(code, message):
        return render_template("errors/error.html", code=code, message=message), code

    @app.errorhandler(CSRFError)
    def csrf_error(err):
        return page(400, _("表单已过期或缺少安全令牌，请返回刷新页面后重新提交。"))

    @app.errorhandler(403)
    def forbidden(err):
        return page(403, _("您没有权限执行此操作。"))

    @app.errorhandler(404)
    def not_found(err):
        return page(404, _("页面不存在，或不在您的管辖范围内。"))

    from .services.scoping import OutOfScope

    @app.errorhandler(OutOfScope)
    def out_of_scope(err):  # a domain error of the services: the same page as any unknown id
        return not_found(err)

    @app.errorhandler(413)
    def too_large(err):
        from .errors import too_large_message

        return page(413, too_large_message(err))
