"""report facts on jobs (department, kind, channel, local days, turnaround) and deliveries

Revision ID: 8d0ffee00002
Revises: 7c0ffee00001
Create Date: 2026-11-29 15:00:00.000000

The compliance report reads these instead of joining requests and converting every timestamp
(app/requests/facts.py keeps them exact from now on). Existing rows are filled set-based: one
UPDATE ... FROM requests for the copies and local days (PostgreSQL converts with its time-zone
database; SQLite with app.reports.sqlexpr.local_date's offsets), one UPDATE ... FROM a table of
business-day ordinals for the turnaround, by the policy calendar in force when this runs. The
indexes are built after the fill, once.
"""
from datetime import timedelta

import sqlalchemy as sa
from alembic import op
from sqlalchemy import and_, case, cast, func, select, update

from app.extensions import UTCDateTime

# revision identifiers, used by Alembic.
revision = '8d0ffee00002'
down_revision = '7c0ffee00001'
branch_labels = None
depends_on = None

KIND = sa.Enum('translation', 'interpretation', name='requestkind', native_enum=False, length=20)
CHANNEL = sa.Enum('web', 'sms', 'api', name='channel', native_enum=False, length=20)

JOB_INDEXES = {
    'ix_jobs_department_id_kind_language': [
        'department_id', 'kind', 'language', 'vendor_id', 'turnaround_business_days',
        'completed_on', 'due_date', 'minutes_billed', 'cost',
    ],
    'ix_jobs_department_id_completed_on': ['department_id', 'completed_on', 'kind', 'due_date'],
    'ix_jobs_department_id_closed_on': [
        'department_id', 'closed_on', 'submitted_on', 'due_date', 'kind', 'language',
        'vendor_id',
    ],
    'ix_jobs_department_id_submitted_on': [
        'department_id', 'submitted_on', 'kind', 'channel', 'language',
    ],
    # replaces ix_jobs_request_id (a prefix of it)
    'ix_jobs_request_id_language': ['request_id', 'language', 'status', 'completed_on'],
}


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('kind', KIND, nullable=True))
        batch_op.add_column(sa.Column('channel', CHANNEL, nullable=True))
        batch_op.add_column(sa.Column('submitted_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('completed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('turnaround_business_days', sa.Integer(), nullable=True))
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('language', sa.String(length=10), nullable=True))
    backfill(op.get_bind())
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_request_id')
        for name, columns in JOB_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index(
            'ix_deliveries_department_id_reviewed_at',
            ['department_id', 'reviewed_at', 'outcome', 'glossary_passed', 'language'],
            unique=False,
        )
        batch_op.create_index('ix_deliveries_job_id_outcome', ['job_id', 'outcome'], unique=False)
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index(
            'ix_offers_job_id_status', ['job_id', 'status', 'responded_at'], unique=False
        )
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.create_index(
            'ix_requests_vital_created_at',
            ['vital', 'created_at', 'department_id', 'kind', 'status'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_index('ix_requests_vital_created_at')
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index('ix_offers_job_id_status')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_job_id_outcome')
        batch_op.drop_index('ix_deliveries_department_id_reviewed_at')
        batch_op.drop_column('language')
        batch_op.drop_column('department_id')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        for name in JOB_INDEXES:
            batch_op.drop_index(name)
        batch_op.create_index('ix_jobs_request_id', ['request_id'], unique=False)
        for name in (
            'turnaround_business_days', 'closed_on', 'completed_on', 'submitted_on', 'channel',
            'kind', 'department_id',
        ):
            batch_op.drop_column(name)


def backfill(bind):
    """Fill the facts of every existing job, set-based (what facts.refresh_job_facts sets)."""
    from app.policy import get_policy
    from app.requests.facts import business_ordinals
    from app.reports.sqlexpr import local_date

    policy = get_policy()
    zone = policy.calendar.timezone
    requests = sa.table(
        'requests',
        sa.column('id', sa.Integer),
        sa.column('department_id', sa.Integer),
        sa.column('kind', sa.String),
        sa.column('channel', sa.String),
        sa.column('created_at', UTCDateTime),
    )
    jobs = sa.table(
        'jobs',
        sa.column('request_id', sa.Integer),
        sa.column('status', sa.String),
        sa.column('completed_at', UTCDateTime),
        sa.column('cancelled_at', UTCDateTime),
        *(sa.column(n, sa.Integer) for n in ('department_id', 'turnaround_business_days')),
        *(sa.column(n, sa.String) for n in ('kind', 'channel')),
        *(sa.column(n, sa.Date) for n in ('submitted_on', 'completed_on', 'closed_on')),
    )
    oldest, newest = bind.execute(
        select(func.min(requests.c.created_at), func.max(requests.c.created_at))
    ).one()
    newest_job = bind.execute(
        select(func.max(jobs.c.completed_at), func.max(jobs.c.cancelled_at))
    ).one()
    if oldest is None:
        return
    newest = max(m for m in (newest, *newest_job) if m is not None)
    years = (oldest.year - 1, newest.year + 1)

    def day(column):
        return local_date(bind.dialect.name, column, zone.key, years)

    bind.execute(
        update(jobs)
        .where(jobs.c.request_id == requests.c.id)
        .values(
            department_id=requests.c.department_id,
            kind=requests.c.kind,
            channel=requests.c.channel,
            submitted_on=day(requests.c.created_at),
            completed_on=case((jobs.c.status == 'completed', day(jobs.c.completed_at))),
            closed_on=case(
                (jobs.c.status == 'completed', day(jobs.c.completed_at)),
                (jobs.c.status == 'cancelled', day(jobs.c.cancelled_at)),
            ),
        )
    )
    first = oldest.astimezone(zone).date() - timedelta(days=1)
    last = newest.astimezone(zone).date() + timedelta(days=1)
    days = op.create_table(
        'report_business_days',
        sa.Column('day', sa.Date(), primary_key=True),
        sa.Column('ord', sa.Integer(), nullable=False),
    )
    op.bulk_insert(
        days,
        [{'day': d, 'ord': n} for d, n in business_ordinals(policy.calendar, first, last).items()],
    )
    sub, comp = days.alias('sub'), days.alias('comp')
    between = comp.c.ord - sub.c.ord
    bind.execute(
        update(jobs)
        .where(and_(sub.c.day == jobs.c.submitted_on, comp.c.day == jobs.c.completed_on))
        .values(turnaround_business_days=cast(case((between < 0, 0), else_=between), sa.Integer))
    )
    op.drop_table('report_business_days')
    deliveries = sa.table(
        'deliveries',
        sa.column('job_id', sa.Integer),
        sa.column('department_id', sa.Integer),
        sa.column('language', sa.String),
    )
    job = sa.table(
        'jobs', sa.column('id', sa.Integer), sa.column('department_id', sa.Integer),
        sa.column('language', sa.String),
    )
    bind.execute(
        update(deliveries)
        .where(deliveries.c.job_id == job.c.id)
        .values(department_id=job.c.department_id, language=job.c.language)
    )
