"""forms as data: form definitions, their numbered versions, and the values tasks submitted

Revision ID: 0022_form_definitions
Revises: 0021_spot_checks
Create Date: 2026-11-30 17:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0022_form_definitions'
down_revision = "0021_spot_checks"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'form_definition',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('title_zh', sa.String(length=100), nullable=False),
        sa.Column('title_en', sa.String(length=100), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )
    op.create_table(
        'form_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('definition_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('schema', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('saved_by_id', sa.Integer(), nullable=True),
        sa.Column('saved_at', sa.DateTime(), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['definition_id'], ['form_definition.id']),
        sa.ForeignKeyConstraint(['saved_by_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('definition_id', 'number', name='uq_form_version_number'),
    )
    op.create_index('ix_form_version_definition_id', 'form_version', ['definition_id'])
    op.create_table(
        'form_submission',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('inbox_task_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('case_event_id', sa.Integer(), nullable=True),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('values', sa.JSON(), nullable=False),
        sa.Column('submitted_by_id', sa.Integer(), nullable=True),
        sa.Column('submitted_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['inbox_task_id'], ['inbox_task.id']),
        sa.ForeignKeyConstraint(['case_id'], ['case_file.id']),
        sa.ForeignKeyConstraint(['case_event_id'], ['case_event.id']),
        sa.ForeignKeyConstraint(['version_id'], ['form_version.id']),
        sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('inbox_task_id'),
    )
    op.create_index('ix_form_submission_case_id', 'form_submission', ['case_id'])
    op.create_index('ix_form_submission_case_event_id', 'form_submission', ['case_event_id'])


def downgrade():
    op.drop_index('ix_form_submission_case_event_id', table_name='form_submission')
    op.drop_index('ix_form_submission_case_id', table_name='form_submission')
    op.drop_table('form_submission')
    op.drop_index('ix_form_version_definition_id', table_name='form_version')
    op.drop_table('form_version')
    op.drop_table('form_definition')
