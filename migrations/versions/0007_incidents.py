"""incidents: a case whose engine step failed, visible and retryable

Revision ID: 0007_incidents
Revises: 0006_batches_asof
Create Date: 2026-11-30 11:00:00

Self-contained: it only adds a table, so re-chaining it after another revision means changing
``down_revision`` and nothing else.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_incidents'
down_revision = '0006_batches_asof'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=False),
    sa.Column('township_code', sa.String(length=12), nullable=True),
    sa.Column('village_code', sa.String(length=12), nullable=True),
    sa.Column('step', sa.String(length=16), nullable=False),
    sa.Column('element', sa.String(length=128), nullable=True),
    sa.Column('error_code', sa.String(length=32), nullable=False),
    sa.Column('error_params', sa.JSON(), nullable=True),
    sa.Column('detail', sa.String(length=128), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_incident_case_id_case_file')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'],
                            name=op.f('fk_incident_instance_id_process_instance')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user_account.id'],
                            name=op.f('fk_incident_resolved_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident'))
    )
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_township_code'), ['township_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_village_code'), ['village_code'], unique=False)
        batch_op.create_index('ix_incident_open_county', ['status', 'county_code', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_index('ix_incident_open_county')
        batch_op.drop_index(batch_op.f('ix_incident_village_code'))
        batch_op.drop_index(batch_op.f('ix_incident_township_code'))
        batch_op.drop_index(batch_op.f('ix_incident_instance_id'))
        batch_op.drop_index(batch_op.f('ix_incident_case_id'))

    op.drop_table('incident')
