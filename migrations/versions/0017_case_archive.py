"""case archives: a numbered PDF per audited case, and a never-reused number counter per township

Revision ID: 0017_case_archive
Revises: 0016_progress
Create Date: 2026-11-30 14:30:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017_case_archive'
down_revision = '0016_progress'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'archive_counter',
        sa.Column('township_code', sa.String(length=12), nullable=False),
        sa.Column('last_value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('township_code'),
    )
    op.create_table(
        'case_archive',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=64), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('township_code', sa.String(length=12), nullable=False),
        sa.Column('village_code', sa.String(length=12), nullable=True),
        sa.Column('storage_key', sa.String(length=256), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('size_bytes', sa.Integer(), nullable=False),
        sa.Column('retention_until', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('produced_count', sa.Integer(), nullable=False),
        sa.Column('last_produced_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case_file.id']),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('case_id', name=op.f('uq_case_archive_case_id')),
        sa.UniqueConstraint('number', name=op.f('uq_case_archive_number')),
    )
    op.create_index('ix_case_archive_county_code', 'case_archive', ['county_code'])
    op.create_index('ix_case_archive_township_code', 'case_archive', ['township_code'])
    op.create_index('ix_case_archive_village_code', 'case_archive', ['village_code'])


def downgrade():
    op.drop_index('ix_case_archive_village_code', table_name='case_archive')
    op.drop_index('ix_case_archive_township_code', table_name='case_archive')
    op.drop_index('ix_case_archive_county_code', table_name='case_archive')
    op.drop_table('case_archive')
    op.drop_table('archive_counter')
