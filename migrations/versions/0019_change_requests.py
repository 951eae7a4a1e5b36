"""change requests: every kind of registry change, its evidence, review and outcome

Revision ID: 0019_change_requests
Revises: 0018_offline
Create Date: 2026-11-30 14:20:00

One row per proposed change; ``source_key`` is unique so raising from a comparison run twice
raises nothing new; a history row names the request that caused it.
"""
import sqlalchemy as sa
from alembic import op

revision = '0019_change_requests'
down_revision = '0018_offline'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'change_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('field', sa.String(length=32), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('id_number', sa.String(length=18), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=True),
        sa.Column('seen_value', sa.JSON(), nullable=True),
        sa.Column('new_value', sa.JSON(), nullable=True),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('evidence', sa.String(length=500), nullable=True),
        sa.Column('origin', sa.String(length=16), nullable=False),
        sa.Column('reviewer_role', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('outcome_note', sa.String(length=500), nullable=True),
        sa.Column('source_key', sa.String(length=120), nullable=True),
        sa.Column('comparison_run_id', sa.Integer(), nullable=True),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('raised_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('township_code', sa.String(length=12), nullable=True),
        sa.Column('village_code', sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.ForeignKeyConstraint(['comparison_run_id'], ['comparison_run.id']),
        sa.ForeignKeyConstraint(['case_id'], ['case_file.id']),
        sa.ForeignKeyConstraint(['raised_by_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('source_key', name='uq_change_request_source_key'),
    )
    for name, cols in (('ix_change_request_kind', ['kind']), ('ix_change_request_person_id', ['person_id']),
                       ('ix_change_request_status', ['status']),
                       ('ix_change_request_comparison_run_id', ['comparison_run_id']),
                       ('ix_change_request_case_id', ['case_id']),
                       ('ix_change_request_county_code', ['county_code']),
                       ('ix_change_request_township_code', ['township_code']),
                       ('ix_change_request_village_code', ['village_code']),
                       ('ix_change_request_open_field', ['id_number', 'field', 'status'])):
        op.create_index(name, 'change_request', cols)
    with op.batch_alter_table('registration_history') as batch:
        batch.add_column(sa.Column('change_request_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_registration_history_change_request', 'change_request',
                                 ['change_request_id'], ['id'])
        batch.create_index('ix_registration_history_change_request_id', ['change_request_id'])


def downgrade():
    with op.batch_alter_table('registration_history') as batch:
        batch.drop_index('ix_registration_history_change_request_id')
        batch.drop_constraint('fk_registration_history_change_request', type_='foreignkey')
        batch.drop_column('change_request_id')
    op.drop_table('change_request')
