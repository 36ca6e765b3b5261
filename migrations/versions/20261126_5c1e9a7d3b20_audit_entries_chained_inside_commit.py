"""audit entries chained inside COMMIT by a deferred trigger (PostgreSQL)

Revision ID: 5c1e9a7d3b20
Revises: 079545eb46e4
Create Date: 2026-11-26 06:00:00.000000

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '5c1e9a7d3b20'
down_revision = '079545eb46e4'
branch_labels = None
depends_on = None

# Frozen copies of casework/audit/models.py at this revision (a migration never changes later).
CHAIN_PENDING_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_chain_pending() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    next_seq integer;
    previous text;
    digest text;
BEGIN
    SELECT last_seq + 1, last_hash INTO next_seq, previous
    FROM audit_chain_head WHERE id = 1 FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO audit_chain_head (id, last_seq, last_hash)
        VALUES (1, 0, repeat('0', 64)) ON CONFLICT (id) DO NOTHING;
        SELECT last_seq + 1, last_hash INTO next_seq, previous
        FROM audit_chain_head WHERE id = 1 FOR UPDATE;
    END IF;
    digest := encode(sha256(convert_to(
        NEW.frame_prefix || previous || NEW.frame_middle || next_seq::text || NEW.frame_suffix,
        'UTF8')), 'hex');
    INSERT INTO audit_entries
        (seq, at, actor_id, token_id, case_id, action, source, outcome, prev_hash, entry_hash)
    VALUES (next_seq, NEW.at, NEW.actor_id, NEW.token_id, NEW.case_id, NEW.action, NEW.source,
            NEW.outcome, previous, digest);
    UPDATE audit_chain_head SET last_seq = next_seq, last_hash = digest WHERE id = 1;
    DELETE FROM audit_pending WHERE id = NEW.id;
    RETURN NULL;
END
$$
"""
CHAIN_PENDING_TRIGGER = """
CREATE CONSTRAINT TRIGGER audit_pending_chain AFTER INSERT ON audit_pending
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_chain_pending()
"""


def upgrade():
    op.create_table('audit_pending',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('token_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('frame_prefix', sa.Text(), nullable=False),
    sa.Column('frame_middle', sa.Text(), nullable=False),
    sa.Column('frame_suffix', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_pending'))
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE audit_pending SET UNLOGGED")
        op.execute(CHAIN_PENDING_FUNCTION)
        op.execute(CHAIN_PENDING_TRIGGER)


def downgrade():
    # Dropping the table drops its trigger; no entry waits in a committed database.
    op.drop_table('audit_pending')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION IF EXISTS audit_chain_pending()")
