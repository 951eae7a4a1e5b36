"""completeness: exclusions with reasons, per-village gap counts and declarations, enrolled after a run

Revision ID: 0026_completeness
Revises: 0025_expansion
Create Date: 2026-11-30 17:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0026_completeness'
down_revision = "0025_expansion"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'completeness_exclusion',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=24), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=24), nullable=False),
        sa.Column('note', sa.String(length=256), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('township_code', sa.String(length=12), nullable=False),
        sa.Column('village_code', sa.String(length=12), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['household_id'], ['household.id']),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('subject'),
    )
    op.create_index('ix_completeness_exclusion_household_id', 'completeness_exclusion', ['household_id'])
    op.create_index('ix_completeness_exclusion_person_id', 'completeness_exclusion', ['person_id'])
    op.create_index('ix_completeness_exclusion_village_code', 'completeness_exclusion', ['village_code'])
    op.create_table(
        'village_completeness',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('village_code', sa.String(length=12), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('township_code', sa.String(length=12), nullable=False),
        sa.Column('household_gaps', sa.Integer(), nullable=False),
        sa.Column('member_gaps', sa.Integer(), nullable=False),
        sa.Column('field_gaps', sa.Integer(), nullable=False),
        sa.Column('households', sa.Integer(), nullable=False),
        sa.Column('checked_at', sa.DateTime(), nullable=False),
        sa.Column('declared_at', sa.DateTime(), nullable=True),
        sa.Column('declared_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['declared_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('village_code'),
    )
    op.create_index('ix_village_completeness_county_code', 'village_completeness', ['county_code'])
    op.create_index('ix_village_completeness_township_code', 'village_completeness', ['township_code'])
    op.create_table(
        'enrolled_after_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('id_number', sa.String(length=18), nullable=False),
        sa.Column('uninsured_run_id', sa.Integer(), nullable=False),
        sa.Column('enrolled_run_id', sa.Integer(), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('township_code', sa.String(length=12), nullable=False),
        sa.Column('village_code', sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(['uninsured_run_id'], ['comparison_run.id']),
        sa.ForeignKeyConstraint(['enrolled_run_id'], ['comparison_run.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('id_number'),
    )
    op.create_index('ix_enrolled_after_run_enrolled_run_id', 'enrolled_after_run', ['enrolled_run_id'])


def downgrade():
    op.drop_table('enrolled_after_run')
    op.drop_table('village_completeness')
    op.drop_table('completeness_exclusion')
