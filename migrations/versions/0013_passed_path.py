"""the path a case passed, kept beside its pruned live state

Revision ID: 0013_passed_path
Revises: 0012_reminder_fast_path
Create Date: 2026-11-30 12:40:00

Pruning drops finished parts of a workflow's task tree; ``process_instance.passed`` keeps the
elements and flows the case went through (per process), so the case page can still draw its
path. Instances saved before this have none until their next save; their live state still
holds their whole history then.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013_passed_path'
down_revision = '0012_reminder_fast_path'
branch_labels = None
depends_on = None


# Plain ALTER TABLE (SQLite has had ADD/DROP COLUMN since 3.35): a batch copy of
# process_instance would trip the foreign keys that point at it.
def upgrade():
    op.add_column('process_instance', sa.Column('passed', sa.JSON(), nullable=True))


def downgrade():
    op.drop_column('process_instance', 'passed')
