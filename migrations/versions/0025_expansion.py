"""expansion (参保扩面): grouping rules, target lists, drives, their village rounds, contacts, the report's tally

Revision ID: 0025_expansion
Revises: 0024_new_process_drafts
Create Date: 2026-11-30 17:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0025_expansion'
down_revision = "0024_new_process_drafts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'expansion_rule',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('group_code', sa.String(length=24), nullable=False),
        sa.Column('conditions', sa.JSON(), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_expansion_rule_county_code', 'expansion_rule', ['county_code'])
    op.create_table(
        'expansion_drive',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('groups', sa.JSON(), nullable=False),
        sa.Column('areas', sa.JSON(), nullable=False),
        sa.Column('contact_role', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('targets', sa.Integer(), nullable=False),
        sa.Column('opened_by_id', sa.Integer(), nullable=True),
        sa.Column('opened_at', sa.DateTime(), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.ForeignKeyConstraint(['run_id'], ['comparison_run.id']),
        sa.ForeignKeyConstraint(['opened_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_expansion_drive_run_id', 'expansion_drive', ['run_id'])
    op.create_index('ix_expansion_drive_county_code', 'expansion_drive', ['county_code'])
    op.create_table(
        'expansion_assignment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('drive_id', sa.Integer(), nullable=False),
        sa.Column('village_code', sa.String(length=12), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('opened_at', sa.DateTime(), nullable=False),
        sa.Column('completed_at', sa.DateTime(), nullable=True),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('township_code', sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(['drive_id'], ['expansion_drive.id']),
        sa.ForeignKeyConstraint(['case_id'], ['case_file.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('drive_id', 'village_code', 'round', name='uq_expansion_assignment_drive_village_round'),
    )
    op.create_index('ix_expansion_assignment_drive_id', 'expansion_assignment', ['drive_id'])
    op.create_index('ix_expansion_assignment_status', 'expansion_assignment', ['status'])
    op.create_index('ix_expansion_assignment_case_id', 'expansion_assignment', ['case_id'])
    op.create_index('ix_expansion_assignment_township_code', 'expansion_assignment', ['township_code'])
    op.create_table(
        'expansion_target',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('id_number', sa.String(length=18), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=True),
        sa.Column('household_no', sa.String(length=32), nullable=True),
        sa.Column('sex', sa.String(length=1), nullable=True),
        sa.Column('age', sa.Integer(), nullable=True),
        sa.Column('hukou_type', sa.String(length=16), nullable=True),
        sa.Column('occupation', sa.String(length=32), nullable=True),
        sa.Column('registered', sa.Boolean(), nullable=False),
        sa.Column('works_away', sa.Boolean(), nullable=False),
        sa.Column('former_employer', sa.Boolean(), nullable=False),
        sa.Column('missing', sa.String(length=32), nullable=False),
        sa.Column('schemes', sa.Integer(), nullable=False),
        sa.Column('area_kind', sa.String(length=16), nullable=True),
        sa.Column('group_code', sa.String(length=24), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('township_code', sa.String(length=12), nullable=True),
        sa.Column('village_code', sa.String(length=12), nullable=True),
        sa.Column('drive_id', sa.Integer(), nullable=True),
        sa.Column('assignment_id', sa.Integer(), nullable=True),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('outcome', sa.String(length=24), nullable=True),
        sa.Column('follow_up_on', sa.Date(), nullable=True),
        sa.Column('contacted_at', sa.DateTime(), nullable=True),
        sa.Column('converted_run_id', sa.Integer(), nullable=True),
        sa.Column('converted_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['run_id'], ['comparison_run.id']),
        sa.ForeignKeyConstraint(['drive_id'], ['expansion_drive.id']),
        sa.ForeignKeyConstraint(['assignment_id'], ['expansion_assignment.id']),
        sa.ForeignKeyConstraint(['staff_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['converted_run_id'], ['comparison_run.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('run_id', 'id_number', name='uq_expansion_target_run_person'),
    )
    op.create_index('ix_expansion_target_report', 'expansion_target',
                    ['run_id', 'township_code', 'village_code', 'group_code', 'drive_id', 'staff_id', 'converted_run_id'])
    op.create_index('ix_expansion_target_drive', 'expansion_target', ['drive_id', 'converted_run_id'])
    op.create_index('ix_expansion_target_assignment_id', 'expansion_target', ['assignment_id'])
    op.create_index('ix_expansion_target_staff_id', 'expansion_target', ['staff_id'])
    op.create_index('ix_expansion_target_follow_up_on', 'expansion_target', ['follow_up_on'])
    op.create_table(
        'expansion_tally',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('township_code', sa.String(length=12), nullable=False),
        sa.Column('village_code', sa.String(length=12), nullable=False),
        sa.Column('group_code', sa.String(length=24), nullable=False),
        sa.Column('drive_id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('converted_run_id', sa.Integer(), nullable=False),
        sa.Column('targets', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['run_id'], ['comparison_run.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('run_id', 'township_code', 'village_code', 'group_code', 'drive_id', 'staff_id',
                            'converted_run_id', name='uq_expansion_tally_key'),
    )
    op.create_table(
        'expansion_contact',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=True),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('drive_id', sa.Integer(), nullable=False),
        sa.Column('assignment_id', sa.Integer(), nullable=True),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('outcome', sa.String(length=24), nullable=False),
        sa.Column('reason', sa.String(length=256), nullable=True),
        sa.Column('follow_up_on', sa.Date(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['target_id'], ['expansion_target.id']),
        sa.ForeignKeyConstraint(['drive_id'], ['expansion_drive.id']),
        sa.ForeignKeyConstraint(['assignment_id'], ['expansion_assignment.id']),
        sa.ForeignKeyConstraint(['staff_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'),
    )
    op.create_index('ix_expansion_contact_target_id', 'expansion_contact', ['target_id'])
    op.create_index('ix_expansion_contact_drive_id', 'expansion_contact', ['drive_id'])
    op.create_index('ix_expansion_contact_assignment_id', 'expansion_contact', ['assignment_id'])


def downgrade():
    op.drop_table('expansion_contact')
    op.drop_table('expansion_tally')
    op.drop_table('expansion_target')
    op.drop_table('expansion_assignment')
    op.drop_table('expansion_drive')
    op.drop_table('expansion_rule')
