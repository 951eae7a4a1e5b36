"""offline visits and document photos

Revision ID: 0018_offline
Revises: 0017_case_archive
Create Date: 2026-11-30 14:30:00

sync_receipt: every offline submission's idempotency key with the result it got, so a replay
answers the same without doing anything. offline_entry: what an assistant entered offline that
could not be applied (the task moved on meanwhile), kept on the case for the reviewer.
sync_report: the queue length each phone last reported. document_photo: photos of documents,
the bytes in the photo store (a folder or an object store), never in the database.
"""
import sqlalchemy as sa
from alembic import op

revision = '0018_offline'
down_revision = '0017_case_archive'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sync_receipt',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('result', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_table(
        'offline_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('entered_at', sa.String(length=32), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case_file.id']),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_offline_entry_case_id', 'offline_entry', ['case_id'])
    op.create_table(
        'sync_report',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('queue_length', sa.Integer(), nullable=False),
        sa.Column('reported_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('user_id'),
    )
    op.create_table(
        'document_photo',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('id_number', sa.String(length=18), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('storage_key', sa.String(length=128), nullable=False),
        sa.Column('content_type', sa.String(length=32), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('township_code', sa.String(length=12), nullable=True),
        sa.Column('village_code', sa.String(length=12), nullable=True),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case_file.id']),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('storage_key', name='uq_document_photo_key'),
    )
    op.create_index('ix_document_photo_case_id', 'document_photo', ['case_id'])


def downgrade():
    op.drop_index('ix_document_photo_case_id', table_name='document_photo')
    op.drop_table('document_photo')
    op.drop_table('sync_report')
    op.drop_index('ix_offline_entry_case_id', table_name='offline_entry')
    op.drop_table('offline_entry')
    op.drop_table('sync_receipt')
