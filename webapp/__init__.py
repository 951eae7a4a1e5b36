"""The Flask application factory."""
import os
from functools import lru_cache

from babel import Locale
from flask import has_request_context, render_template
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from config import Config
from .errors import too_large_message
from .extensions import babel, csrf, db, login_manager, migrate
from .flask_app import App
from .request_context import request_globals, this_session


def select_locale():
    """The interface language: the user's choice, else Simplified Chinese (a parsed ``Locale``)."""
    if not has_request_context():  # the command line and workers speak the default language
        return _parsed_locale("zh_Hans_CN")
    chosen = this_session().get("locale")
    if chosen:
        return _parsed_locale(chosen)
    # The user's language as loaded with the user: after a commit the user object is expired,
    # and asking it again would load the user a second time in the same request.
    chosen = request_globals().get("_user_locale")
    if chosen is None and current_user and getattr(current_user, "is_authenticated", False):
        chosen = current_user.locale
    return _parsed_locale(chosen or "zh_Hans_CN")


@lru_cache(maxsize=32)
def _parsed_locale(identifier):
    # Flask-Babel parses the selector's answer on every request (about 1.5 % of a page that
    # renders only the layout); a Locale passed back is used as is. The few languages offered
    # are parsed once per process (a Locale is not changed by its users).
    return Locale.parse(identifier)


def create_app(config=Config):
    """Build the application for ``config`` (a class or an object with upper-case settings)."""
    # The parts of the application are imported when an app is built, not with this package:
    # every module under webapp/ runs this file first, and the parts lead back to it
    # (cycle: webapp -> webapp.<blueprint> -> webapp.jobs.<jobs> -> webapp.jobs.context -> webapp);
    # a process that needs only the intake core or the models stays light.
    from . import (cli, csrf_tokens, form_kinds, formatting, layout, memo, security_headers, session_cookie,
                   sqlite_pragmas, template_env, translation_cache, url_cache)
    from .admin import bp as admin_bp
    from .auth import bp as auth_bp, user_loading
    from .cases import bp as cases_bp
    from .changes import bp as changes_bp
    from .dashboard import bp as dashboard_bp
    from .documents.photos import set_photo_source
    from .employers import bp as employers_bp
    from .expansion import bp as expansion_bp
    from .inbox import bp as inbox_bp
    from .intake_web import bp as intake_bp
    from .notifications import bp as notifications_bp
    from .offline import bp as offline_bp
    from .printing import bp as printing_bp
    from .processes import bp as processes_bp
    from .quality import bp as quality_bp
    from .registry import bp as registry_bp
    from .search import bp as search_bp
    from .engine import hooks, instance_write, kept
    from .infra import database
    from .services import notifications
    from .services.admin import form_definitions
    from .services.campaign import progress
    from .services.casework import operations
    from .services.casework.photos import archive_photos
    from .services.scoping import OutOfScope
    from .supervision import bp as supervision_bp

    app = App(__name__, instance_path=getattr(config, "INSTANCE_DIR", None))
    template_env.install(app)
    app.config.from_object(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.secret_key()
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        os.makedirs(app.instance_path, exist_ok=True)

    database.init_app(app)  # db, with PostgreSQL's connection set-up (infra/database.py)
    migrate.init_app(app, db, render_as_batch=True, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    csrf_tokens.install(app)  # a session's signed CSRF token signed once, not on every page
    babel.init_app(app, locale_selector=select_locale, timezone_selector=formatting.campaign_timezone,
                   default_translation_directories=os.path.join(app.root_path, "translations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    sqlite_pragmas.install(app)
    security_headers.install(app)
    session_cookie.install(app)  # Flask's signed cookie, a cookie already checked not checked again

    user_loading.install(app, login_manager)  # every request's user, with the header's unread count
    # What a request keeps (webapp/memo.py's RequestKept: the unread count and the account read with
    # the user) forgotten when the session may write it.
    memo.install()
    kept.install()  # workflows kept after a committed completion (engine/kept.py)
    instance_write.install()  # a completed row's deferred UPDATE written before any read (engine/instance_write.py)

    for blueprint in (
            auth_bp, inbox_bp, cases_bp, registry_bp,
            search_bp,  # the header search box
            admin_bp,
            supervision_bp,  # deadlines: the supervisor console with the admins' queue dashboard
            notifications_bp,
            dashboard_bp,  # progress, bulletins
            intake_bp,  # department data intake and comparison
            offline_bp,  # the assistant's offline visit app and document photos
            processes_bp,  # diagrams, versions
            printing_bp,  # the registration form PDFs and case archives
            changes_bp,  # change requests
            quality_bp,  # spot checks, summaries
            employers_bp,  # 用工检查, 年审
            expansion_bp):  # 参保扩面
        app.register_blueprint(blueprint)
    template_env.drop_repeated_context_processors(app)  # Flask's default ran twice on a blueprint's page
    set_photo_source(app, archive_photos)  # archives include the photos the phones uploaded
    formatting.register(app)
    translation_cache.install(app)
    url_cache.install(app)
    layout.install(app)
    _register_error_pages(app, OutOfScope)
    # Browsers ask for /favicon.ico whatever a page links: the same file as base.html's icon link.
    app.add_url_rule("/favicon.ico", "favicon", lambda: app.send_static_file("favicon.ico"))
    cli.register_cli(app)
    operations.register_operations()
    form_kinds.register_check(form_kinds.DATA_FORM, form_definitions.check_step)
    hooks.listen(hooks.TASKS_ARRIVED, notifications.tasks_arrived)
    hooks.listen(hooks.OVERDUE_CLEARED, progress.overdue_cleared)
    return app


def _register_error_pages(app, out_of_scope_error):
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

    @app.errorhandler(out_of_scope_error)
    def out_of_scope(err):  # a domain error of the services: the same page as any unknown id
        return not_found(err)

    @app.errorhandler(413)
    def too_large(err):
        return page(413, too_large_message(err))
