"""``flask demo run``: migrate, seed, start a worker and the web server, print the logins."""
import os
import signal
import subprocess
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from werkzeug.serving import run_simple

from ..extensions import db


def _print_logins(host, port):
    from ..models import User
    from .demo import DEMO_PASSWORD

    click.echo("")
    click.echo(f"  全民参保登记 · 演示县已就绪:  http://{host}:{port}/")
    click.echo(f"  演示账号（密码均为 {DEMO_PASSWORD}）:")
    for user in User.query.order_by(User.id).all():
        click.echo(f"    {user.role:<14} {user.username:<12} {user.display_name}（{user.area.name}）")
    click.echo("")


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--households", default=300, show_default=True)
@click.option("--no-worker", is_flag=True, help="Do not start an RQ worker beside the web app.")
@with_appcontext
def demo_run(host, port, households, no_worker):
    """Bring up the demo county: database, worker, web app."""
    upgrade()
    ctx = click.get_current_context()
    from ..cli import demo_seed

    ctx.invoke(demo_seed, households=households)
    from ..queues import redis_connection

    redis_connection().ping()  # starts the embedded Redis when no REDIS_URL is set
    worker = None
    if not no_worker:
        worker = subprocess.Popen([sys.executable, "-m", "workers"], env=dict(os.environ))
    _print_logins(host, port)
    db.session.remove()
    # A SIGTERM must unwind through ``finally`` so the worker does not outlive the demo.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        # The Flask CLI refuses app.run(); the same development server, started directly.
        run_simple(host, port, current_app._get_current_object(), threaded=True, use_reloader=False)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=10)
