"""Command-line commands: ``flask demo``, ``flask areas``, ``flask diagrams``, ``flask users``."""
import click
from flask.cli import AppGroup

from .extensions import db
from .intake_web.cli import intake_cli
from .models import Area
from .services import areas
from .services.admin import staff
from .services.admin.shipped import TOP_LEVEL_PROCESSES, deploy_shipped_diagrams  # noqa: F401 (imported from here too)
from .services.campaign import progress_rebuild as rebuild
from .synthetic.demo_runner import demo_cli

areas_cli = AppGroup("areas", help="Administrative areas.")
diagrams_cli = AppGroup("diagrams", help="Process diagrams.")
users_cli = AppGroup("users", help="Staff accounts.")
progress_cli = AppGroup("progress", help="The dashboard's kept progress figures.")


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
    area = Area.query.filter_by(code=area_code).one_or_none()
    if area is None:
        raise click.BadParameter(f"no area {area_code}")
    try:
        staff.create_user(None, username, display_name or username, role, area.id, password, must_change=False)
    except staff.StaffError as err:
        raise click.ClickException(str(err))
    db.session.commit()
    click.echo(f"user {username} created")


@progress_cli.command("rebuild")
@click.option("--county", "county_code", default="341721", show_default=True)
def progress_rebuild(county_code):
    """Recount the county's progress figures from its cases (once after upgrading to 0015)."""
    totals = rebuild.rebuild(county_code)
    runs = rebuild.snapshot_missing_runs(county_code)
    db.session.commit()
    click.echo(", ".join(f"{k}={v}" for k, v in sorted(totals.items())) + f"; coverage runs={runs}")


def register_cli(app):
    """Attach the command groups to ``app``."""
    for group in (demo_cli, areas_cli, diagrams_cli, users_cli, intake_cli, progress_cli):
        app.cli.add_command(group)
