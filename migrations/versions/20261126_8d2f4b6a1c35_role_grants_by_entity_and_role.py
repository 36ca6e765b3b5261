"""role grants indexed by entity and role (alert recipients)

Revision ID: 8d2f4b6a1c35
Revises: 5c1e9a7d3b20
Create Date: 2026-11-26 06:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '8d2f4b6a1c35'
down_revision = '5c1e9a7d3b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.create_index('ix_role_grants_entity_id_role', ['entity_id', 'role'], unique=False)


def downgrade():
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.drop_index('ix_role_grants_entity_id_role')
