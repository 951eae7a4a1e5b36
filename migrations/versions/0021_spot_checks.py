"""spot checks of audited forms, campaign summaries and evaluation, stored bulletin documents

Revision ID: 0021_spot_checks
Revises: 0020_village_surveys
Create Date: 2026-11-30 17:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0021_spot_checks'
down_revision = "0020_village_surveys"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'spot_check_draw',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('seed', sa.String(length=32), nullable=False),
        sa.Column('share_percent', sa.Integer(), nullable=False),
        sa.Column('verifier', sa.String(length=16), nullable=False),
        sa.Column('population', sa.Integer(), nullable=False),
        sa.Column('sample_size', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_spot_check_draw_county_code', 'spot_check_draw', ['county_code'])
    op.create_table(
        'spot_check_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('draw_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('form_id', sa.Integer(), nullable=False),
        sa.Column('visitor_id', sa.Integer(), nullable=True),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('township_code', sa.String(length=12), nullable=True),
        sa.Column('village_code', sa.String(length=12), nullable=True),
        sa.Column('result', sa.String(length=16), nullable=False),
        sa.Column('wrong_fields', sa.JSON(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('checked_by_id', sa.Integer(), nullable=True),
        sa.Column('checked_at', sa.DateTime(), nullable=True),
        sa.Column('checked_day', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['draw_id'], ['spot_check_draw.id']),
        sa.ForeignKeyConstraint(['case_id'], ['case_file.id']),
        sa.ForeignKeyConstraint(['form_id'], ['registration_form.id']),
        sa.ForeignKeyConstraint(['visitor_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['checked_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('form_id', name='uq_spot_check_item_form'),
    )
    op.create_index('ix_spot_check_item_draw_id', 'spot_check_item', ['draw_id'])
    op.create_index('ix_spot_check_item_case_id', 'spot_check_item', ['case_id'])
    op.create_index('ix_spot_check_item_visitor_id', 'spot_check_item', ['visitor_id'])
    op.create_index('ix_spot_check_item_county_code', 'spot_check_item', ['county_code'])
    op.create_index('ix_spot_check_item_township_code', 'spot_check_item', ['township_code'])
    op.create_index('ix_spot_check_item_checked_day', 'spot_check_item', ['checked_day'])
    op.create_table(
        'campaign_summary',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('township_code', sa.String(length=12), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('as_of', sa.Date(), nullable=True),
        sa.Column('figures', sa.JSON(), nullable=True),
        sa.Column('practices', sa.Text(), nullable=True),
        sa.Column('problems', sa.Text(), nullable=True),
        sa.Column('mechanism', sa.Text(), nullable=True),
        sa.Column('return_reason', sa.Text(), nullable=True),
        sa.Column('submitted_at', sa.DateTime(), nullable=True),
        sa.Column('submitted_by_id', sa.Integer(), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(), nullable=True),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case_file.id']),
        sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('county_code', 'township_code', 'kind', name='uq_campaign_summary_area'),
    )
    op.create_index('ix_campaign_summary_county_code', 'campaign_summary', ['county_code'])
    op.create_index('ix_campaign_summary_case_id', 'campaign_summary', ['case_id'])
    with op.batch_alter_table('bulletin') as batch:
        batch.add_column(sa.Column('pdf_key', sa.String(length=80), nullable=True))
        batch.add_column(sa.Column('pdf_sha256', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('xlsx_key', sa.String(length=80), nullable=True))
        batch.add_column(sa.Column('xlsx_sha256', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('bulletin') as batch:
        for column in ('xlsx_sha256', 'xlsx_key', 'pdf_sha256', 'pdf_key'):
            batch.drop_column(column)
    op.drop_table('campaign_summary')
    op.drop_table('spot_check_item')
    op.drop_table('spot_check_draw')
