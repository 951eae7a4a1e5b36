"""``flask demo seed`` (the demo county) and ``flask demo run`` (migrate, seed, worker, web server)."""
import os
import signal
import subprocess
import sys

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade
from werkzeug.serving import run_simple

from ..extensions import db
from ..models import User
from ..queues import redis_connection
from ..services.admin.shipped import deploy_shipped_diagrams
from . import demo, demo_intake
from .demo import DEMO_PASSWORD

demo_cli = AppGroup("demo", help="The demo county.")


def _print_logins(host, port):
    click.echo("")
    click.echo(f"  全民参保登记 · 演示县已就绪:  http://{host}:{port}/")
    click.echo(f"  演示账号（密码均为 {DEMO_PASSWORD}）:")
    for user in User.query.order_by(User.id).all():
        click.echo(f"    {user.role:<14} {user.username:<12} {user.display_name}（{user.area.name}）")
    click.echo("")


@demo_cli.command("seed")
@click.option("--households", default=300, show_default=True)
@click.option("--generated-people", default=3000, show_default=True,
              help="Residents of a generated county slice to import and compare (0: none).")
def demo_seed(households, generated_people):
    """Fill an empty database with the demo county (idempotent: does nothing if seeded)."""
    if User.query.filter_by(username="admin").first():
        click.echo("demo data already present")
        return
    deploy_shipped_diagrams()
    with click.progressbar(length=households, label="启动登记案件") as bar:
        demo.seed(households, progress=lambda done, total: bar.update(1))
    db.session.commit()
    if generated_people:
        click.echo(f"生成并比对 {generated_people} 人的部门数据 ...")
        agency = User.query.filter_by(username="agency").one()
        folder = os.path.join(current_app.instance_path, "demo-county")
        counts = demo_intake.seed_generated_slice(folder, generated_people, actor=agency)
        click.echo("比对结果: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


@demo_cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--households", default=300, show_default=True)
@click.option("--no-worker", is_flag=True, help="Do not start an RQ worker beside the web app.")
@with_appcontext
def demo_run(host, port, households, no_worker):
    """Bring up the demo county: database, worker, web app."""
    upgrade()
    ctx = click.get_current_context()
    ctx.invoke(demo_seed, households=households)

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
