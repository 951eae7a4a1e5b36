"""staff accounts: forced password change, last log-in, when the password was set

Revision ID: 0009_staff_accounts
Revises: 0008_value_mapping
Create Date: 2026-11-30 11:20:00

Administrators now create, edit, disable and reset staff accounts in the browser. A password an
administrator set (initial or reset) must be changed at the next log-in
(``must_change_password``); the users page shows the last log-in.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_staff_accounts'
down_revision = '0008_value_mapping'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('last_login_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('password_changed_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('password_changed_at')
        batch.drop_column('last_login_at')
        batch.drop_column('must_change_password')
