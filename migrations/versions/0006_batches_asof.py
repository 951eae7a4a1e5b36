"""batches that replace each other: period, superseded by, retired with a reason

Revision ID: 0006_batches_asof
Revises: 0005_result_indexes
Create Date: 2026-11-30 10:45:00

A new batch of the same source, county and period supersedes the active one
(``superseded_by_id``); a user can also retire a batch, with a reason. The
comparison run already stores its as-of date.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_batches_asof'
down_revision = '0005_result_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_batch') as batch:
        batch.add_column(sa.Column('period', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('superseded_by_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('retired_reason', sa.Text(), nullable=True))
        batch.add_column(sa.Column('retired_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('retired_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_import_batch_superseded_by_id_import_batch', 'import_batch',
                                 ['superseded_by_id'], ['id'])
        batch.create_foreign_key('fk_import_batch_retired_by_id_user_account', 'user_account',
                                 ['retired_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('import_batch') as batch:
        batch.drop_constraint('fk_import_batch_retired_by_id_user_account', type_='foreignkey')
        batch.drop_constraint('fk_import_batch_superseded_by_id_import_batch', type_='foreignkey')
        batch.drop_column('retired_by_id')
        batch.drop_column('retired_at')
        batch.drop_column('retired_reason')
        batch.drop_column('superseded_by_id')
        batch.drop_column('period')
