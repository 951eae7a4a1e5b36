"""process views: inbox rows know their diagram version, for the per-version heatmap

Revision ID: 0011_process_views
Revises: 0010_mask_stored_ids
Create Date: 2026-11-30 11:20:00

The heatmap counts open and overdue tasks per user task of one diagram version. Joining
100,000 open rows to their instances costs more than the 50 ms budget, so each inbox row
carries its instance's diagram version (copied at creation; instances never change version
without rewriting their rows), and one covering index answers the grouped count.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011_process_views'
down_revision = '0010_mask_stored_ids'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inbox_task') as batch:
        batch.add_column(sa.Column('diagram_version_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_inbox_task_diagram_version', 'diagram_version', ['diagram_version_id'], ['id'])
    op.execute("UPDATE inbox_task SET diagram_version_id = (SELECT p.diagram_version_id FROM process_instance p "
               "WHERE p.id = inbox_task.instance_id)")
    op.create_index('ix_inbox_heatmap', 'inbox_task',
                    ['diagram_version_id', 'state', 'county_code', 'process_id', 'task_name', 'township_code', 'due_at'],
                    unique=False)


def downgrade():
    op.drop_index('ix_inbox_heatmap', table_name='inbox_task')
    with op.batch_alter_table('inbox_task') as batch:
        batch.drop_constraint('fk_inbox_task_diagram_version', type_='foreignkey')
        batch.drop_column('diagram_version_id')
