"""a draft may be a new process made from a template: process_draft.base_version_id nullable

Revision ID: 0024_new_process_drafts
Revises: 0023_employer_inspection
Create Date: 2026-11-30 17:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0024_new_process_drafts'
down_revision = "0023_employer_inspection"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('process_draft') as batch:
        batch.alter_column('base_version_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    op.execute("DELETE FROM process_draft WHERE base_version_id IS NULL")
    with op.batch_alter_table('process_draft') as batch:
        batch.alter_column('base_version_id', existing_type=sa.Integer(), nullable=False)
