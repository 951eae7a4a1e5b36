"""case migration: runs that move running cases to a newer diagram version

Revision ID: 0014_case_migration
Revises: 0013_passed_path
Create Date: 2026-11-30 11:50:00

A run records who asked to move which instances from one version to another and keeps
its counters; each item's outcome is written in the transaction that moved the instance,
so a job run twice finds nothing left to do.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014_case_migration'
down_revision = '0013_passed_path'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'migration_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('process_id', sa.String(length=64), nullable=False),
        sa.Column('from_version_id', sa.Integer(), nullable=False),
        sa.Column('to_version_id', sa.Integer(), nullable=False),
        sa.Column('follow_new_deadlines', sa.Boolean(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('migrated', sa.Integer(), nullable=False),
        sa.Column('incompatible', sa.Integer(), nullable=False),
        sa.Column('skipped', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['from_version_id'], ['diagram_version.id']),
        sa.ForeignKeyConstraint(['to_version_id'], ['diagram_version.id']),
        sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'migration_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=True),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['run_id'], ['migration_run.id']),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('run_id', 'instance_id', name='uq_migration_item_run_instance'),
    )
    op.create_index('ix_migration_item_run_outcome', 'migration_item', ['run_id', 'outcome', 'id'])


def downgrade():
    op.drop_index('ix_migration_item_run_outcome', table_name='migration_item')
    op.drop_table('migration_item')
    op.drop_table('migration_run')
