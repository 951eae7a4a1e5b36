"""value mapping: users' choices for words the vocabularies lack; what an import still needs

Revision ID: 0008_value_mapping
Revises: 0007_incidents
Create Date: 2026-11-30 10:50:00

An upload that needs header or value mapping is a batch in status ``needs_mapping``
(``pending`` says what it needs; ``upload_token`` names the stored file the import
continues from). Every batch lists the columns it did not use and the summary rows it
skipped (``ignored_columns``, ``notes``).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008_value_mapping'
down_revision = '0007_incidents'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'intake_value_mapping',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=32), nullable=False),
        sa.Column('field', sa.String(length=64), nullable=False),
        sa.Column('value', sa.String(length=128), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('source', 'field', 'value', name='uq_intake_value_mapping_source_field_value'),
    )
    with op.batch_alter_table('import_batch') as batch:
        batch.add_column(sa.Column('upload_token', sa.String(length=80), nullable=True))
        batch.add_column(sa.Column('pending', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('ignored_columns', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('notes', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('import_batch') as batch:
        batch.drop_column('notes')
        batch.drop_column('ignored_columns')
        batch.drop_column('pending')
        batch.drop_column('upload_token')
    op.drop_table('intake_value_mapping')
