"""village surveys: a schedule per village, each survey (one per village and due date), its households

Revision ID: 0020_village_surveys
Revises: 0019_change_requests
Create Date: 2026-11-30 14:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0020_village_surveys'
down_revision = '0019_change_requests'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'survey_schedule',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('village_code', sa.String(length=12), nullable=False),
        sa.Column('every_days', sa.Integer(), nullable=False),
        sa.Column('next_due', sa.Date(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('township_code', sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('village_code'),
    )
    op.create_index('ix_survey_schedule_next_due', 'survey_schedule', ['next_due'])
    op.create_index('ix_survey_schedule_county_code', 'survey_schedule', ['county_code'])
    op.create_index('ix_survey_schedule_township_code', 'survey_schedule', ['township_code'])
    op.create_table(
        'village_survey',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('village_code', sa.String(length=12), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('opened_at', sa.DateTime(), nullable=False),
        sa.Column('completed_at', sa.DateTime(), nullable=True),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('township_code', sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['case_file.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('village_code', 'due_date', name='uq_village_survey_village_due'),
    )
    op.create_index('ix_village_survey_status', 'village_survey', ['status'])
    op.create_index('ix_village_survey_case_id', 'village_survey', ['case_id'])
    op.create_index('ix_village_survey_county_code', 'village_survey', ['county_code'])
    op.create_index('ix_village_survey_township_code', 'village_survey', ['township_code'])
    op.create_table(
        'survey_household',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('done_by_id', sa.Integer(), nullable=True),
        sa.Column('done_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['survey_id'], ['village_survey.id']),
        sa.ForeignKeyConstraint(['household_id'], ['household.id']),
        sa.ForeignKeyConstraint(['done_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('survey_id', 'household_id', name='uq_survey_household_survey_household'),
    )
    op.create_index('ix_survey_household_survey_id', 'survey_household', ['survey_id'])


def downgrade():
    op.drop_table('survey_household')
    op.drop_table('village_survey')
    op.drop_table('survey_schedule')
