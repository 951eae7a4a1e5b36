"""Department data intake and comparison: imports, reports, runs, results, problems, links.

Imported rows are kept as compressed column chunks (``IntakeChunk``), not one
table row per file row: a county sends over a million rows per round, they
are only ever read whole by a comparison run, and chunks make an import a few
hundred inserts instead of a million. What people look at row by row — the
validation report, unusable-ID rows, comparison results, problems, linkage
candidates — are ordinary tables with area codes for scoping.
"""
from ..extensions import db
from .base import utcnow


class ImportBatch(db.Model):
    """One uploaded file of one source, imported all or nothing.

    ``dedupe_key`` (source and file hash) is set only on imported batches, so the
    same file cannot be imported twice; rejected attempts keep their report.
    """

    __tablename__ = "import_batch"
    id = db.Column(db.Integer, primary_key=True)
    source = db.Column(db.String(32), nullable=False, index=True)
    file_name = db.Column(db.String(256), nullable=False)
    file_hash = db.Column(db.String(64), nullable=False, index=True)
    dedupe_key = db.Column(db.String(100), unique=True)
    status = db.Column(db.String(16), nullable=False, default="importing", index=True)  # imported / rejected
    active = db.Column(db.Boolean, nullable=False, default=True)  # used by new comparison runs
    # The period the data is for (e.g. "2017-06"); a newer batch of the same source,
    # county and period supersedes the active one, which stays viewable.
    period = db.Column(db.String(16))
    superseded_by_id = db.Column(db.Integer, db.ForeignKey("import_batch.id"))
    superseded_by = db.relationship("ImportBatch", remote_side=[id], foreign_keys=[superseded_by_id])
    retired_reason = db.Column(db.Text)  # set when a user took the batch out of use by hand
    retired_at = db.Column(db.DateTime)
    retired_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    file_format = db.Column(db.String(8))
    encoding = db.Column(db.String(32))
    mapping = db.Column(db.JSON)
    rows_total = db.Column(db.Integer, nullable=False, default=0)
    rows_with_errors = db.Column(db.Integer, nullable=False, default=0)
    issues_total = db.Column(db.Integer, nullable=False, default=0)
    records = db.Column(db.Integer, nullable=False, default=0)
    invalid_ids = db.Column(db.Integer, nullable=False, default=0)
    reject_reason = db.Column(db.Text)
    county_code = db.Column(db.String(6), nullable=False, index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    created_by = db.relationship("User", foreign_keys=[created_by_id])
    # Status needs_mapping: what the upload still needs ({"unknown_headers", "missing", "values"})
    # and the stored upload the import continues from once the uploader has chosen.
    upload_token = db.Column(db.String(80))
    pending = db.Column(db.JSON)
    ignored_columns = db.Column(db.JSON)  # headers of the file no field took
    notes = db.Column(db.JSON)  # [{"row": n, "text": ...}]: summary rows skipped


class HeaderMapping(db.Model):
    """A column header a user mapped by hand for a source (field None: ignore the column)."""

    __tablename__ = "intake_header_mapping"
    __table_args__ = (db.UniqueConstraint("source", "header", name="uq_intake_header_mapping_source_header"),)
    id = db.Column(db.Integer, primary_key=True)
    source = db.Column(db.String(32), nullable=False)
    header = db.Column(db.String(128), nullable=False)
    field = db.Column(db.String(64))
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))


class ValueMapping(db.Model):
    """A word a user mapped for a source's coded field: a code, None (leave empty) or '#error' (row error)."""

    __tablename__ = "intake_value_mapping"
    __table_args__ = (db.UniqueConstraint("source", "field", "value",
                                          name="uq_intake_value_mapping_source_field_value"),)
    id = db.Column(db.Integer, primary_key=True)
    source = db.Column(db.String(32), nullable=False)
    field = db.Column(db.String(64), nullable=False)
    value = db.Column(db.String(128), nullable=False)
    code = db.Column(db.String(64))
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))


class IntakeChunk(db.Model):
    """Up to a few thousand validated rows of a batch, column-wise, zlib-compressed JSON."""

    __tablename__ = "intake_chunk"
    __table_args__ = (db.UniqueConstraint("batch_id", "seq", name="uq_intake_chunk_batch_seq"),)
    id = db.Column(db.Integer, primary_key=True)
    batch_id = db.Column(db.Integer, db.ForeignKey("import_batch.id"), nullable=False)
    seq = db.Column(db.Integer, nullable=False)
    rows = db.Column(db.Integer, nullable=False)
    payload = db.Column(db.LargeBinary, nullable=False)


class ValidationIssue(db.Model):
    """One line of a batch's validation report: row, column, value, problem."""

    __tablename__ = "validation_issue"
    id = db.Column(db.Integer, primary_key=True)
    batch_id = db.Column(db.Integer, db.ForeignKey("import_batch.id"), nullable=False, index=True)
    row_number = db.Column(db.Integer, nullable=False)  # as Excel shows it: the header is row 1
    column_name = db.Column(db.String(128), nullable=False)
    value = db.Column(db.String(256))
    problem = db.Column(db.String(256), nullable=False)
    severity = db.Column(db.String(8), nullable=False)
    code = db.Column(db.String(32), nullable=False)


class InvalidIdRow(db.Model):
    """A person row of a batch whose ID number is unusable (a problem and a linkage subject)."""

    __tablename__ = "intake_invalid_row"
    id = db.Column(db.Integer, primary_key=True)
    batch_id = db.Column(db.Integer, db.ForeignKey("import_batch.id"), nullable=False, index=True)
    source = db.Column(db.String(32), nullable=False)
    row_number = db.Column(db.Integer, nullable=False)
    id_raw = db.Column(db.String(64), nullable=False)
    error_codes = db.Column(db.String(128), nullable=False)
    name = db.Column(db.String(64))
    birth_date = db.Column(db.Date)
    address = db.Column(db.String(256))
    sex = db.Column(db.String(1))


class ComparisonRun(db.Model):
    """One comparison over the active batches; kept for ever and diffed with the previous run."""

    __tablename__ = "comparison_run"
    id = db.Column(db.Integer, primary_key=True)
    status = db.Column(db.String(16), nullable=False, default="queued", index=True)  # running/done/failed
    county_code = db.Column(db.String(6), nullable=False, index=True)
    as_of = db.Column(db.Date, nullable=False)
    batch_ids = db.Column(db.JSON, nullable=False, default=list)
    previous_run_id = db.Column(db.Integer, db.ForeignKey("comparison_run.id"))
    stage = db.Column(db.String(32))
    progress_done = db.Column(db.Integer, nullable=False, default=0)
    progress_total = db.Column(db.Integer, nullable=False, default=0)
    counts = db.Column(db.JSON)
    diff_counts = db.Column(db.JSON)
    error = db.Column(db.Text)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    started_at = db.Column(db.DateTime)
    finished_at = db.Column(db.DateTime)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))


class ComparisonResult(db.Model):
    """One person's verdict in one run (status, problem types, missing items, where to visit)."""

    __tablename__ = "comparison_result"
    __table_args__ = (
        db.UniqueConstraint("run_id", "id_number", name="uq_comparison_result_run_person"),
        # Area pages list a run's people by village; one composite index serves village
        # scoping and that order (township pages filter within the run).
        db.Index("ix_comparison_result_run_village", "run_id", "village_code"),
        # Starting registration cases walks the uninsured households in household order (status
        # read from the index) and then reads each household's members. Every index here costs
        # time on each run's half-million rows, so this one also stands in for (run, status).
        db.Index("ix_comparison_result_run_household_status", "run_id", "household_no", "status"),
    )
    id = db.Column(db.Integer, primary_key=True)
    run_id = db.Column(db.Integer, db.ForeignKey("comparison_run.id"), nullable=False)
    # No index of its own: every query is within a run, where (run_id, id_number) is unique and
    # indexed; one index fewer makes writing half a million results per run markedly faster.
    id_number = db.Column(db.String(18), nullable=False)
    status = db.Column(db.String(16), nullable=False)
    problems = db.Column(db.String(160), nullable=False, default="")  # ';'-joined problem types
    missing = db.Column(db.String(32), nullable=False, default="")  # ';'-joined: pension, medical
    reason = db.Column(db.String(32))
    name = db.Column(db.String(64))
    household_no = db.Column(db.String(32))
    address = db.Column(db.String(256))
    in_register = db.Column(db.Boolean, nullable=False, default=False)
    non_local = db.Column(db.Boolean, nullable=False, default=False)
    insured_elsewhere = db.Column(db.Boolean, nullable=False, default=False)
    schemes = db.Column(db.Integer, nullable=False, default=0)  # bit mask, intake.schemes
    county_code = db.Column(db.String(6), nullable=False)
    township_code = db.Column(db.String(12))
    village_code = db.Column(db.String(12))


class ComparisonChange(db.Model):
    """A person whose verdict differs from the previous run's."""

    __tablename__ = "comparison_change"
    id = db.Column(db.Integer, primary_key=True)
    run_id = db.Column(db.Integer, db.ForeignKey("comparison_run.id"), nullable=False, index=True)
    id_number = db.Column(db.String(18), nullable=False)
    change = db.Column(db.String(24), nullable=False)  # appeared / disappeared / status / problems
    before_status = db.Column(db.String(16))
    after_status = db.Column(db.String(16))
    before_problems = db.Column(db.String(160))
    after_problems = db.Column(db.String(160))


class ProblemRecord(db.Model):
    """One problem of one run (an ID, or an unusable-ID row), and the case handling it.

    ``key`` identifies the same problem across runs, so a problem already
    being handled is not given a second case.
    """

    __tablename__ = "problem_record"
    __table_args__ = (db.UniqueConstraint("run_id", "key", name="uq_problem_record_run_key"),)
    id = db.Column(db.Integer, primary_key=True)
    run_id = db.Column(db.Integer, db.ForeignKey("comparison_run.id"), nullable=False, index=True)
    key = db.Column(db.String(160), nullable=False, index=True)
    problem_type = db.Column(db.String(32), nullable=False, index=True)
    id_number = db.Column(db.String(18), index=True)
    name = db.Column(db.String(64))
    detail = db.Column(db.String(512))
    batch_id = db.Column(db.Integer, db.ForeignKey("import_batch.id"))
    row_number = db.Column(db.Integer)
    id_raw = db.Column(db.String(64))
    status = db.Column(db.String(16), nullable=False, default="open", index=True)  # open/in_case/resolved
    outcome = db.Column(db.String(32))
    case_id = db.Column(db.Integer, db.ForeignKey("case_file.id"), index=True)
    county_code = db.Column(db.String(6), nullable=False)
    township_code = db.Column(db.String(12), index=True)
    village_code = db.Column(db.String(12), index=True)


class LinkageCandidate(db.Model):
    """"Possibly the same person": an unusable-ID row and a known person, scored; staff decide."""

    __tablename__ = "linkage_candidate"
    id = db.Column(db.Integer, primary_key=True)
    run_id = db.Column(db.Integer, db.ForeignKey("comparison_run.id"), nullable=False, index=True)
    batch_id = db.Column(db.Integer, db.ForeignKey("import_batch.id"))
    source = db.Column(db.String(32), nullable=False)
    row_number = db.Column(db.Integer, nullable=False)
    id_raw = db.Column(db.String(64), nullable=False)
    name = db.Column(db.String(64))
    candidate_id_number = db.Column(db.String(18), nullable=False)
    candidate_name = db.Column(db.String(64))
    score = db.Column(db.Float, nullable=False)
    reasons = db.Column(db.String(128))
    status = db.Column(db.String(16), nullable=False, default="pending", index=True)  # confirmed/rejected
    decided_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    decided_at = db.Column(db.DateTime)
    county_code = db.Column(db.String(6), nullable=False)
    township_code = db.Column(db.String(12), index=True)
    village_code = db.Column(db.String(12), index=True)


class ComparisonEmployer(db.Model):
    """One registered organisation's verdict in one run: insured, uninsured employer, or not a target.

    Organisations come from the market supervision and civil affairs lists; an
    active one that no current enrollment row names is an uninsured employer
    (see ``webapp.intake.employers``). ``change`` marks what differs from the
    previous run: ``new_uninsured`` or ``now_insured``. The township is known
    when the address names one; the village never is (the column is there for scoping).
    """

    __tablename__ = "comparison_employer"
    __table_args__ = (db.Index("ix_comparison_employer_run_status", "run_id", "status"),
                      db.Index("ix_comparison_employer_credit_code", "credit_code"))  # one employer's history
    id = db.Column(db.Integer, primary_key=True)
    run_id = db.Column(db.Integer, db.ForeignKey("comparison_run.id"), nullable=False)
    source = db.Column(db.String(32), nullable=False)  # market_supervision / civil_affairs
    row_number = db.Column(db.Integer)
    credit_code = db.Column(db.String(18))
    name = db.Column(db.String(256))
    org_type = db.Column(db.String(64))
    legal_rep = db.Column(db.String(64))
    register_date = db.Column(db.Date)
    address = db.Column(db.String(256))
    status = db.Column(db.String(16), nullable=False)  # insured / uninsured / not_target
    reason = db.Column(db.String(16))  # by_code / by_name / no_enrollment / terminated_only / cancelled
    insured_persons = db.Column(db.Integer, nullable=False, default=0)
    staff_persons = db.Column(db.Integer, nullable=False, default=0, server_default="0")  # terminated rows too
    change = db.Column(db.String(16))
    county_code = db.Column(db.String(6), nullable=False)
    township_code = db.Column(db.String(12))
    village_code = db.Column(db.String(12))
