"""progress aggregates: daily and total counters, coverage snapshots, leading groups, bulletins

Revision ID: 0016_progress
Revises: 0015_process_drafts
Create Date: 2026-11-30 14:40:00

The dashboard and the bulletins read these kept figures instead of scanning the registry
(design invariant 16). The services write them in the transaction of the work they count.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016_progress'
down_revision = '0015_process_drafts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'progress_daily',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('township_code', sa.String(length=12), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('measure', sa.String(length=24), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('county_code', 'township_code', 'day', 'measure', name='uq_progress_daily_key'),
    )
    op.create_index('ix_progress_daily_county_day', 'progress_daily', ['county_code', 'day'])
    op.create_table(
        'progress_total',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('township_code', sa.String(length=12), nullable=False),
        sa.Column('village_code', sa.String(length=12), nullable=False),
        sa.Column('measure', sa.String(length=24), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('county_code', 'township_code', 'village_code', 'measure',
                            name='uq_progress_total_key'),
    )
    op.create_table(
        'coverage_snapshot',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('township_code', sa.String(length=12), nullable=False),
        sa.Column('village_code', sa.String(length=12), nullable=False),
        sa.Column('targets', sa.Integer(), nullable=False),
        sa.Column('pension_required', sa.Integer(), nullable=False),
        sa.Column('pension_covered', sa.Integer(), nullable=False),
        sa.Column('medical_covered', sa.Integer(), nullable=False),
        sa.Column('pension_gain', sa.Integer(), nullable=False),
        sa.Column('medical_gain', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['run_id'], ['comparison_run.id'], name='fk_coverage_snapshot_run'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('run_id', 'township_code', 'village_code', name='uq_coverage_snapshot_key'),
    )
    op.create_index('ix_coverage_snapshot_run_id', 'coverage_snapshot', ['run_id'])
    op.create_table(
        'leading_group_member',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('township_code', sa.String(length=12), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('post', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_leading_group_member_township_code', 'leading_group_member', ['township_code'])
    op.create_table(
        'bulletin',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('commentary', sa.JSON(), nullable=False),
        sa.Column('trigger', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name='fk_bulletin_created_by'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('county_code', 'number', name='uq_bulletin_number'),
    )


def downgrade():
    op.drop_table('bulletin')
    op.drop_index('ix_leading_group_member_township_code', table_name='leading_group_member')
    op.drop_table('leading_group_member')
    op.drop_index('ix_coverage_snapshot_run_id', table_name='coverage_snapshot')
    op.drop_table('coverage_snapshot')
    op.drop_table('progress_total')
    op.drop_index('ix_progress_daily_county_day', table_name='progress_daily')
    op.drop_table('progress_daily')
