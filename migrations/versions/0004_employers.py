"""employers: each run's verdict on the registered enterprises and social organisations

Revision ID: 0004_employers
Revises: 0003_deadlines
Create Date: 2026-12-01 09:00:00

Self-contained: it only adds a table and an index, so re-chaining it after another revision
means changing ``down_revision`` and nothing else.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_employers'
down_revision = '0003_deadlines'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('comparison_employer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=True),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('name', sa.String(length=256), nullable=True),
    sa.Column('org_type', sa.String(length=64), nullable=True),
    sa.Column('legal_rep', sa.String(length=64), nullable=True),
    sa.Column('register_date', sa.Date(), nullable=True),
    sa.Column('address', sa.String(length=256), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=True),
    sa.Column('insured_persons', sa.Integer(), nullable=False),
    sa.Column('change', sa.String(length=16), nullable=True),
    sa.Column('county_code', sa.String(length=6), nullable=False),
    sa.Column('township_code', sa.String(length=12), nullable=True),
    sa.Column('village_code', sa.String(length=12), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['comparison_run.id'],
                            name=op.f('fk_comparison_employer_run_id_comparison_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comparison_employer'))
    )
    with op.batch_alter_table('comparison_employer', schema=None) as batch_op:
        batch_op.create_index('ix_comparison_employer_run_status', ['run_id', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('comparison_employer', schema=None) as batch_op:
        batch_op.drop_index('ix_comparison_employer_run_status')
    op.drop_table('comparison_employer')
