"""employer inspection: inspections, their documents, per-employer profile (tax flag, annual check)

Revision ID: 0023_employer_inspection
Revises: 0022_form_definitions
Create Date: 2026-11-30 17:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0023_employer_inspection'
down_revision = "0022_form_definitions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'employer_inspection',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('employer_key', sa.String(length=300), nullable=False),
        sa.Column('credit_code', sa.String(length=18), nullable=True),
        sa.Column('name', sa.String(length=256), nullable=True),
        sa.Column('source', sa.String(length=32), nullable=False),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('notice_number', sa.String(length=40), nullable=True),
        sa.Column('notice_date', sa.Date(), nullable=True),
        sa.Column('rectify_by', sa.Date(), nullable=True),
        sa.Column('notice_text', sa.Text(), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=True),
        sa.Column('outcome_note', sa.Text(), nullable=True),
        sa.Column('recheck_run_id', sa.Integer(), nullable=True),
        sa.Column('recheck_insured', sa.Integer(), nullable=True),
        sa.Column('opened_by_id', sa.Integer(), nullable=True),
        sa.Column('opened_at', sa.DateTime(), nullable=False),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('township_code', sa.String(length=12), nullable=True),
        sa.Column('village_code', sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(['run_id'], ['comparison_run.id']),
        sa.ForeignKeyConstraint(['case_id'], ['case_file.id']),
        sa.ForeignKeyConstraint(['recheck_run_id'], ['comparison_run.id']),
        sa.ForeignKeyConstraint(['opened_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_employer_inspection_employer_key', 'employer_inspection', ['employer_key'])
    op.create_index('ix_employer_inspection_case_id', 'employer_inspection', ['case_id'])
    op.create_index('ix_employer_inspection_status', 'employer_inspection', ['status'])
    op.create_index('ix_employer_inspection_county_code', 'employer_inspection', ['county_code'])
    op.create_index('ix_employer_inspection_township_code', 'employer_inspection', ['township_code'])
    op.create_table(
        'inspection_document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('inspection_id', sa.Integer(), nullable=False),
        sa.Column('file_name', sa.String(length=128), nullable=False),
        sa.Column('storage_key', sa.String(length=128), nullable=False),
        sa.Column('content_type', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('township_code', sa.String(length=12), nullable=True),
        sa.Column('village_code', sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(['inspection_id'], ['employer_inspection.id']),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('storage_key'),
    )
    op.create_index('ix_inspection_document_inspection_id', 'inspection_document', ['inspection_id'])
    op.create_table(
        'employer_profile',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('employer_key', sa.String(length=300), nullable=False),
        sa.Column('name', sa.String(length=256), nullable=True),
        sa.Column('tax_flag', sa.Boolean(), nullable=False),
        sa.Column('tax_flag_date', sa.Date(), nullable=True),
        sa.Column('tax_flag_note', sa.String(length=500), nullable=True),
        sa.Column('tax_flag_by_id', sa.Integer(), nullable=True),
        sa.Column('annual_checked_on', sa.Date(), nullable=True),
        sa.Column('annual_checked_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('township_code', sa.String(length=12), nullable=True),
        sa.Column('village_code', sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(['tax_flag_by_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['annual_checked_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('county_code', 'employer_key', name='uq_employer_profile_county_key'),
    )
    # The staff the insurance file knows of at each employer (terminated rows too), per run.
    with op.batch_alter_table('comparison_employer') as batch:
        batch.add_column(sa.Column('staff_persons', sa.Integer(), nullable=False, server_default='0'))
    # The employer history reads one employer's rows across runs.
    op.create_index('ix_comparison_employer_credit_code', 'comparison_employer', ['credit_code'])


def downgrade():
    op.drop_index('ix_comparison_employer_credit_code', table_name='comparison_employer')
    with op.batch_alter_table('comparison_employer') as batch:
        batch.drop_column('staff_persons')
    op.drop_table('employer_profile')
    op.drop_table('inspection_document')
    op.drop_table('employer_inspection')
