"""Administration: moving running cases to the current version of their process."""
from flask import jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..attempts import attempt
from ..auth.decorators import admin_required
from ..extensions import db
from ..jobs import casework as jobs
from ..models import DiagramVersion, MigrationRun
from ..queues import enqueue
from ..services.admin import migration, processes
from . import bp


@bp.route("/migration")
@admin_required
def migration_overview():
    """Every process: its current version and older versions that still have running cases."""
    return render_template("admin/migration.html", processes=migration.overview())


@bp.route("/migration/versions/<int:version_id>")
@admin_required
def migration_version(version_id):
    """The running cases of one older version, each checked against the current version."""
    version = db.get_or_404(DiagramVersion, version_id)
    target, rows = migration.check_cases(version)
    running = len(migration.engine_migration.running_instances(version.id))
    return render_template("admin/migration_version.html", version=version, target=target, rows=rows,
                           running=running, number=processes.number_of(version),
                           target_number=processes.number_of(target) if target else None,
                           changes=migration.spec_changes(version, target) if target else [],
                           limit=migration.LIST_LIMIT)


@bp.route("/migration/instances/<int:instance_id>")
@admin_required
def migration_preview(instance_id):
    """What moving one case would do: its open tasks before and after, and what changed."""
    return render_template("admin/migration_preview.html", **migration.preview(instance_id))


@bp.route("/migration/versions/<int:version_id>/runs", methods=["POST"])
@admin_required
def migration_start(version_id):
    """Start moving the chosen cases (or all compatible ones) in a background job."""
    everything = request.form.get("scope") == "all"
    chosen = None if everything else request.form.getlist("instance_ids", type=int)
    with attempt(migration.NothingToMigrate, say=lambda _err: _("没有选择可迁移的运行中案件。")) as started:
        run_id = migration.start_run(version_id, chosen, request.form.get("follow_new_deadlines") == "y",
                                     current_user).id
    if not started:
        return redirect(url_for("admin.migration_version", version_id=version_id))
    enqueue("bulk", jobs.migrate_cases, run_id, job_id=f"migration-{run_id}")  # the run's id only
    return redirect(url_for("admin.migration_run", run_id=run_id))


@bp.route("/migration/runs/<int:run_id>")
@admin_required
def migration_run(run_id):
    """A run's progress bar and, when finished, the cases that did not move and why."""
    run = db.get_or_404(MigrationRun, run_id)
    return render_template("admin/migration_run.html", run=run, progress=migration.run_progress(run_id),
                           items=migration.run_items(run_id))


@bp.route("/migration/runs/<int:run_id>/progress")
@admin_required
def migration_run_progress(run_id):
    """The run's counters as JSON, polled by static/migration.js."""
    return jsonify(migration.run_progress(run_id))
