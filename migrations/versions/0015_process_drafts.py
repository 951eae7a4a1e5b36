"""process drafts: diagrams edited in the browser modeler, saved before they are deployed

Revision ID: 0015_process_drafts
Revises: 0014_case_migration
Create Date: 2026-11-30 14:30:00

One draft per process; nothing that runs cases reads it.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015_process_drafts'
down_revision = '0014_case_migration'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'process_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('process_id', sa.String(length=64), nullable=False),
        sa.Column('files', sa.JSON(), nullable=False),
        sa.Column('base_version_id', sa.Integer(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['base_version_id'], ['diagram_version.id']),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('process_id', name='uq_process_draft_process_id'),
    )


def downgrade():
    op.drop_table('process_draft')
