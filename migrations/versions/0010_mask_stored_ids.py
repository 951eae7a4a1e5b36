"""mask stored ids: raw ID numbers quoted whole in problem details and problem case titles

Revision ID: 0010_mask_stored_ids
Revises: 0009_staff_accounts
Create Date: 2026-11-30 11:10:00

Problem records of unusable IDs quoted the raw ID in their detail, and the cases opened for
them in their title; a raw ID with a wrong check digit gives the real one (the check digit is
computable). New rows are written masked; this masks the rows already stored. Not reversible
(the raw ID stays in problem_record.id_raw, shown on an audited request only).
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_mask_stored_ids'
down_revision = '0009_staff_accounts'
branch_labels = None
depends_on = None


def _mask(value):
    # The same rule as webapp.idnumber.mask_id, copied: a migration must not change with the code.
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def upgrade():
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT p.id, p.id_raw, p.detail, p.case_id, c.title FROM problem_record p "
        "LEFT JOIN case_file c ON c.id = p.case_id WHERE p.id_raw IS NOT NULL AND p.id_raw <> ''")).fetchall()
    for record_id, raw, detail, case_id, title in rows:
        masked = _mask(raw)
        if detail and raw in detail:
            connection.execute(sa.text("UPDATE problem_record SET detail = :detail WHERE id = :id"),
                               {"detail": detail.replace(raw, masked), "id": record_id})
        if case_id is not None and title and raw in title:
            connection.execute(sa.text("UPDATE case_file SET title = :title WHERE id = :id"),
                               {"title": title.replace(raw, masked), "id": case_id})


def downgrade():
    pass  # the masked text stays masked; nothing structural to undo
