"""report facts of jobs' offers and deliveries; indexes the report's figures read alone

Revision ID: 9e0ffee00003
Revises: 8d0ffee00002
Create Date: 2026-11-29 17:30:00.000000

Three facts on jobs (app/requests/facts.py LINK_FACTS: a vendor accepted an offer, the minutes
from the request's submission to the first acceptance, the department accepted a delivery),
filled set-based by the same UPDATE the app runs after a flush that changes an offer or a
delivery (facts.link_facts_update), for the jobs that have any. Indexes: one that holds the
requests and interpretation figures of a department's jobs in their grouping order, the
delivery fact added to the index of a request's jobs (vital coverage), one on requests by kind
(how interpretation languages were identified). Statistics are refreshed at the end.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '9e0ffee00003'
down_revision = '8d0ffee00002'
branch_labels = None
depends_on = None

NEW_JOB_INDEX = [
    'department_id', 'kind', 'language', 'channel', 'submitted_on', 'status', 'offer_accepted',
    'assign_minutes', 'minutes_billed',
]
OLD_REQUEST_JOBS = ['request_id', 'language', 'status', 'completed_on']


def upgrade():
    # Plain ALTER TABLE ... ADD COLUMN (with a constant default SQLite needs no table copy).
    op.add_column(
        'jobs', sa.Column('offer_accepted', sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column('jobs', sa.Column('assign_minutes', sa.Integer(), nullable=True))
    op.add_column(
        'jobs',
        sa.Column('delivery_accepted', sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    backfill(op.get_bind())
    op.drop_index('ix_jobs_request_id_language', table_name='jobs')
    op.create_index(
        'ix_jobs_request_id_language', 'jobs', [*OLD_REQUEST_JOBS, 'delivery_accepted']
    )
    op.create_index('ix_jobs_department_id_kind_language_channel', 'jobs', NEW_JOB_INDEX)
    op.create_index(
        'ix_requests_department_id_kind_created_at',
        'requests',
        ['department_id', 'kind', 'created_at', 'language_method'],
    )
    analyze(op.get_bind())


def downgrade():
    op.drop_index('ix_requests_department_id_kind_created_at', table_name='requests')
    op.drop_index('ix_jobs_department_id_kind_language_channel', table_name='jobs')
    op.drop_index('ix_jobs_request_id_language', table_name='jobs')
    op.create_index('ix_jobs_request_id_language', 'jobs', OLD_REQUEST_JOBS)
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('delivery_accepted')
        batch_op.drop_column('assign_minutes')
        batch_op.drop_column('offer_accepted')


def backfill(bind):
    """The facts of every job with an offer or a delivery (the others keep the defaults)."""
    from app.requests.facts import fill_link_facts

    fill_link_facts(bind)


def analyze(bind):
    """Fresh planner statistics for the new columns and indexes (whole tables: on SQLite a
    sampled ANALYZE leaves estimates rough enough to pick worse plans elsewhere)."""
    bind.exec_driver_sql('ANALYZE')
