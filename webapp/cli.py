"""Command-line commands: ``flask demo``, ``flask areas``, ``flask diagrams``, ``flask users``."""
import click
from flask import current_app
from flask.cli import AppGroup

from .extensions import db

TOP_LEVEL_PROCESSES = ("registration_case", "dynamic_change", "problem_data", "village_survey")
demo_cli = AppGroup("demo", help="The demo county.")
areas_cli = AppGroup("areas", help="Administrative areas.")
diagrams_cli = AppGroup("diagrams", help="Process diagrams.")
users_cli = AppGroup("users", help="Staff accounts.")


def deploy_shipped_diagrams():
    """Deploy the diagrams in bpmn/ (unchanged files are not stored again)."""
    from . import engine

    return engine.deploy_directory(current_app.config["BPMN_DIR"], TOP_LEVEL_PROCESSES)


@diagrams_cli.command("deploy")
def diagrams_deploy():
    """Validate and deploy the shipped diagrams."""
    versions = deploy_shipped_diagrams()
    db.session.commit()
    for version in versions:
        click.echo(f"{version.process_id}: version {version.id} ({version.content_hash[:12]})")


@areas_cli.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def areas_load(path):
    """Load areas from a CSV (code,name,level,kind,parent_code)."""
    from .services import areas

    count = areas.load_csv(path)
    db.session.commit()
    click.echo(f"{count} areas loaded")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True)
@click.option("--area", "area_code", required=True, help="12-digit area code")
@click.option("--name", "display_name", default=None)
@click.password_option()
def users_create(username, role, area_code, display_name, password):
    """Create a staff account (the same rules as the administrators' page)."""
    from .models import Area
    from .services import staff

    area = Area.query.filter_by(code=area_code).one_or_none()
    if area is None:
        raise click.BadParameter(f"no area {area_code}")
    try:
        staff.create_user(None, username, display_name or username, role, area.id, password, must_change=False)
    except staff.StaffError as err:
        raise click.ClickException(str(err))
    db.session.commit()
    click.echo(f"user {username} created")


@demo_cli.command("seed")
@click.option("--households", default=300, show_default=True)
@click.option("--generated-people", default=3000, show_default=True,
              help="Residents of a generated county slice to import and compare (0: none).")
def demo_seed(households, generated_people):
    """Fill an empty database with the demo county (idempotent: does nothing if seeded)."""
    import os

    from .models import User
    from .services import demo, demo_intake

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


def register_cli(app):
    """Attach the command groups to ``app``."""
    for group in (demo_cli, areas_cli, diagrams_cli, users_cli):
        app.cli.add_command(group)
    from .intake.cli import intake_cli
    app.cli.add_command(intake_cli)
    from .demo_runner import demo_run

    demo_cli.add_command(demo_run)
