"""access, audit, workflow, notifications, statistics, portal

Revision ID: a414a29df2d9
Revises: 813bce769796
Create Date: 2026-11-25 17:11:11.834186

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a414a29df2d9'
down_revision = '813bce769796'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )
    op.create_table('audit_entries',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('token_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_case_id'), ['case_id'], unique=False)

    op.create_table('login_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('client_address', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempts_address_at', ['client_address', 'at'], unique=False)
        batch_op.create_index('ix_login_attempts_username_at', ['username', 'at'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('draft', 'notice', 'alert', 'subject_notice', name='outbox_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('ref_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('party_id', sa.Integer(), nullable=True),
    sa.Column('staff_user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'queued', 'sending', 'sent', 'failed', 'cancelled', name='outbox_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=120), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_outbox_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)

    op.create_table('portal_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_failures'))
    )
    with op.batch_alter_table('portal_failures', schema=None) as batch_op:
        batch_op.create_index('ix_portal_failures_key_at', ['key', 'at'], unique=False)

    op.create_table('retention_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ran_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('shredded', sa.Integer(), nullable=False),
    sa.Column('held', sa.Integer(), nullable=False),
    sa.Column('case_ids', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_runs'))
    )
    op.create_table('statistics_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('period_label', sa.String(length=16), nullable=False),
    sa.Column('period_from', sa.String(length=16), nullable=False),
    sa.Column('period_to', sa.String(length=16), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statistics_releases')),
    sa.UniqueConstraint('scope', 'period_label', name=op.f('uq_statistics_releases_scope_period_label')),
    sa.UniqueConstraint('scope', 'version', name=op.f('uq_statistics_releases_scope_version'))
    )
    op.create_table('notification_preferences',
    sa.Column('staff_user_id', sa.Integer(), nullable=False),
    sa.Column('daily_digest', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['staff_user_id'], ['staff_users.id'], name=op.f('fk_notification_preferences_staff_user_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('staff_user_id', name=op.f('pk_notification_preferences'))
    )
    op.create_table('oversight_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['staff_users.id'], name=op.f('fk_oversight_tokens_created_by_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oversight_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_oversight_tokens_token_hash'))
    )
    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_recovery_codes_user_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes'))
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)

    op.create_table('staff_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('second_factor_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=40), nullable=True),
    sa.Column('client_address', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_staff_sessions_user_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_staff_sessions_token_hash'))
    )
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('break_glass_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_break_glass_grants_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_break_glass_grants_user_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_break_glass_grants'))
    )
    with op.batch_alter_table('break_glass_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_break_glass_grants_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_break_glass_grants_user_id'), ['user_id'], unique=False)

    op.create_table('case_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('lead', 'member', 'decision_maker', name='assignment_role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('assigned_by', sa.Integer(), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assigned_by'], ['staff_users.id'], name=op.f('fk_case_assignments_assigned_by_staff_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_assignments_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_case_assignments_user_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_assignments')),
    sa.UniqueConstraint('case_id', 'user_id', 'role', name=op.f('uq_case_assignments_case_id_user_id_role'))
    )
    with op.batch_alter_table('case_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_assignments_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_assignments_user_id'), ['user_id'], unique=False)

    op.create_table('case_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['staff_users.id'], name=op.f('fk_case_events_actor_id_staff_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_events_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events'))
    )
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index('ix_case_events_case_name', ['case_id', 'name'], unique=False)

    op.create_table('case_exclusions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('declared_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_exclusions_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['declared_by'], ['staff_users.id'], name=op.f('fk_case_exclusions_declared_by_staff_users')),
    sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_case_exclusions_user_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_exclusions')),
    sa.UniqueConstraint('case_id', 'user_id', name=op.f('uq_case_exclusions_case_id_user_id'))
    )
    with op.batch_alter_table('case_exclusions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_exclusions_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_exclusions_user_id'), ['user_id'], unique=False)

    op.create_table('clock_stops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Enum('informal_resolution', 'mediation', 'subject_sick_leave', 'external_information_request', name='stop_reason', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('requested', 'approved', 'refused', name='clock_stop_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['approved_by'], ['staff_users.id'], name=op.f('fk_clock_stops_approved_by_staff_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_clock_stops_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by'], ['staff_users.id'], name=op.f('fk_clock_stops_requested_by_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clock_stops'))
    )
    with op.batch_alter_table('clock_stops', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clock_stops_case_id'), ['case_id'], unique=False)

    op.create_table('deadline_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('deadline_key', sa.String(length=40), nullable=False),
    sa.Column('threshold', sa.String(length=16), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_deadline_alerts_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_alerts')),
    sa.UniqueConstraint('case_id', 'deadline_key', 'threshold', name=op.f('uq_deadline_alerts_case_id_deadline_key_threshold'))
    )
    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('measures', sa.String(length=400), nullable=False),
    sa.Column('non_disciplinary', sa.Enum('written_reprimand', 'training', 'other', name='non_disciplinary_measure', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_decisions_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by'], ['staff_users.id'], name=op.f('fk_decisions_decided_by_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions')),
    sa.UniqueConstraint('case_id', name=op.f('uq_decisions_case_id'))
    )
    op.create_table('evidence_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('description_ct', sa.LargeBinary(), nullable=True),
    sa.Column('uploaded_by', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_evidence_files_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by'], ['staff_users.id'], name=op.f('fk_evidence_files_uploaded_by_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_files'))
    )
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_files_case_id'), ['case_id'], unique=False)

    op.create_table('extensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('deadline_key', sa.String(length=40), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('reason_ct', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.Enum('requested', 'approved', 'refused', name='extension_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['approved_by'], ['staff_users.id'], name=op.f('fk_extensions_approved_by_staff_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_extensions_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by'], ['staff_users.id'], name=op.f('fk_extensions_requested_by_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_extensions'))
    )
    with op.batch_alter_table('extensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_extensions_case_id'), ['case_id'], unique=False)

    op.create_table('clearcheck_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=True),
    sa.Column('name_ct', sa.LargeBinary(), nullable=True),
    sa.Column('email_ct', sa.LargeBinary(), nullable=True),
    sa.Column('reason', sa.Enum('separated', 'dismissed', 'left_with_allegations_pending', name='screening_reason', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('event_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_exported_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_clearcheck_records_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], name=op.f('fk_clearcheck_records_entity_id_entities')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_clearcheck_records_party_id_parties'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clearcheck_records')),
    sa.UniqueConstraint('case_id', 'party_id', name=op.f('uq_clearcheck_records_case_id_party_id'))
    )
    with op.batch_alter_table('clearcheck_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clearcheck_records_entity_id'), ['entity_id'], unique=False)

    op.create_table('contact_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('consent_given_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('consent_withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('channels', sa.String(length=32), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('quiet_start_minute', sa.Integer(), nullable=True),
    sa.Column('quiet_end_minute', sa.Integer(), nullable=True),
    sa.Column('email_safe', sa.Boolean(), nullable=False),
    sa.Column('sms_safe', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_contact_preferences_party_id_parties'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_preferences')),
    sa.UniqueConstraint('party_id', name=op.f('uq_contact_preferences_party_id'))
    )
    op.create_table('disclosures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=True),
    sa.Column('milestone', sa.String(length=8), nullable=False),
    sa.Column('occurrence', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('drafting', 'pending_review', 'pending', 'sent', 'withheld', 'failed', name='disclosure_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('channels', sa.String(length=32), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('template_version', sa.String(length=32), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_by', sa.Integer(), nullable=True),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('overdue_alerted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withheld_reason', sa.String(length=40), nullable=True),
    sa.Column('body_ct', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_disclosures_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_disclosures_party_id_parties'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['released_by'], ['staff_users.id'], name=op.f('fk_disclosures_released_by_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosures')),
    sa.UniqueConstraint('case_id', 'party_id', 'milestone', 'occurrence', name=op.f('uq_disclosures_case_id_party_id_milestone_occurrence'))
    )
    with op.batch_alter_table('disclosures', schema=None) as batch_op:
        batch_op.create_index('ix_disclosures_status_due_at', ['status', 'due_at'], unique=False)

    op.create_table('evidence_chunks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('index', sa.Integer(), nullable=False),
    sa.Column('blob', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence_files.id'], name=op.f('fk_evidence_chunks_evidence_id_evidence_files'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_chunks')),
    sa.UniqueConstraint('evidence_id', 'index', name=op.f('uq_evidence_chunks_evidence_id_index'))
    )
    op.create_table('milestone_schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('milestone', sa.String(length=8), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('fired_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('occurrences', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_milestone_schedules_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_milestone_schedules_party_id_parties'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestone_schedules')),
    sa.UniqueConstraint('case_id', 'party_id', 'milestone', 'slot', name=op.f('uq_milestone_schedules_case_id_party_id_milestone_slot'))
    )
    with op.batch_alter_table('milestone_schedules', schema=None) as batch_op:
        batch_op.create_index('ix_milestone_schedules_next_due_at', ['next_due_at'], unique=False, postgresql_where=sa.text('next_due_at IS NOT NULL'), sqlite_where=sa.text('next_due_at IS NOT NULL'))

    op.create_table('portal_accesses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('receipt_index', sa.String(length=64), nullable=False),
    sa.Column('passphrase_hash', sa.String(length=200), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_portal_accesses_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['issued_by'], ['staff_users.id'], name=op.f('fk_portal_accesses_issued_by_staff_users')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_portal_accesses_party_id_parties'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_accesses')),
    sa.UniqueConstraint('receipt_index', name=op.f('uq_portal_accesses_receipt_index'))
    )
    with op.batch_alter_table('portal_accesses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_accesses_case_id'), ['case_id'], unique=False)

    op.create_table('subject_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('body_ct', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_subject_notices_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_subject_notices_party_id_parties'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_notices')),
    sa.UniqueConstraint('case_id', 'party_id', 'kind', 'key', name=op.f('uq_subject_notices_case_id_party_id_kind_key'))
    )
    op.create_table('portal_sessions',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('access_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['access_id'], ['portal_accesses.id'], name=op.f('fk_portal_sessions_access_id_portal_accesses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_portal_sessions_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_portal_sessions_party_id_parties'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_portal_sessions'))
    )
    with op.batch_alter_table('portal_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_sessions_access_id'), ['access_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_sessions_case_id'), ['case_id'], unique=False)

    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.alter_column('entity_id',
               existing_type=sa.INTEGER(),
               nullable=True)

    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))



def downgrade():
    # System-wide grants (no entity) cannot exist in the older schema.
    op.execute("DELETE FROM role_grants WHERE entity_id IS NULL")
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')

    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.alter_column('entity_id',
               existing_type=sa.INTEGER(),
               nullable=False)

    with op.batch_alter_table('portal_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_sessions_case_id'))
        batch_op.drop_index(batch_op.f('ix_portal_sessions_access_id'))

    op.drop_table('portal_sessions')
    op.drop_table('subject_notices')
    with op.batch_alter_table('portal_accesses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_accesses_case_id'))

    op.drop_table('portal_accesses')
    with op.batch_alter_table('milestone_schedules', schema=None) as batch_op:
        batch_op.drop_index('ix_milestone_schedules_next_due_at', postgresql_where=sa.text('next_due_at IS NOT NULL'), sqlite_where=sa.text('next_due_at IS NOT NULL'))

    op.drop_table('milestone_schedules')
    op.drop_table('evidence_chunks')
    with op.batch_alter_table('disclosures', schema=None) as batch_op:
        batch_op.drop_index('ix_disclosures_status_due_at')

    op.drop_table('disclosures')
    op.drop_table('contact_preferences')
    with op.batch_alter_table('clearcheck_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clearcheck_records_entity_id'))

    op.drop_table('clearcheck_records')
    with op.batch_alter_table('extensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_extensions_case_id'))

    op.drop_table('extensions')
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_files_case_id'))

    op.drop_table('evidence_files')
    op.drop_table('decisions')
    op.drop_table('deadline_alerts')
    with op.batch_alter_table('clock_stops', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clock_stops_case_id'))

    op.drop_table('clock_stops')
    with op.batch_alter_table('case_exclusions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_exclusions_user_id'))
        batch_op.drop_index(batch_op.f('ix_case_exclusions_case_id'))

    op.drop_table('case_exclusions')
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index('ix_case_events_case_name')

    op.drop_table('case_events')
    with op.batch_alter_table('case_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_assignments_user_id'))
        batch_op.drop_index(batch_op.f('ix_case_assignments_case_id'))

    op.drop_table('case_assignments')
    with op.batch_alter_table('break_glass_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_break_glass_grants_user_id'))
        batch_op.drop_index(batch_op.f('ix_break_glass_grants_case_id'))

    op.drop_table('break_glass_grants')
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_sessions_user_id'))

    op.drop_table('staff_sessions')
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))

    op.drop_table('recovery_codes')
    op.drop_table('oversight_tokens')
    op.drop_table('notification_preferences')
    op.drop_table('statistics_releases')
    op.drop_table('retention_runs')
    with op.batch_alter_table('portal_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_portal_failures_key_at')

    op.drop_table('portal_failures')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status_next_attempt_at')
        batch_op.drop_index(batch_op.f('ix_outbox_case_id'))

    op.drop_table('outbox')
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempts_username_at')
        batch_op.drop_index('ix_login_attempts_address_at')

    op.drop_table('login_attempts')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entries_case_id'))

    op.drop_table('audit_entries')
    op.drop_table('audit_chain_head')
