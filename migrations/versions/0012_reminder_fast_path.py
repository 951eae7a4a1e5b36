"""reminders on the fast path: which open tasks were reminded, and the index the sweep reads

Revision ID: 0012_reminder_fast_path
Revises: 0011_process_views
Create Date: 2026-11-30 11:50:00

Open tasks whose reminder the engine already sent (their case timeline has a reminder event
for the task since the task was created) are marked reminded, so the fast path never sends
one twice. Self-contained: re-chaining it means changing ``down_revision`` only.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012_reminder_fast_path'
down_revision = '0011_process_views'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inbox_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index('ix_inbox_task_reminder', ['state', 'reminded', 'reminder_at'], unique=False)
    op.execute(
        "UPDATE inbox_task SET reminded = TRUE WHERE state = 'ready' AND EXISTS ("
        "SELECT 1 FROM case_event e WHERE e.case_id = inbox_task.case_id AND e.kind = 'reminder' "
        "AND e.task_name = inbox_task.task_name AND e.at >= inbox_task.created_at)")


def downgrade():
    with op.batch_alter_table('inbox_task', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_task_reminder')
        batch_op.drop_column('reminded')
