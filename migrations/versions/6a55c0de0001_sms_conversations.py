"""sms conversations and messages; resident phones encrypted; how the language was identified

Revision ID: 6a55c0de0001
Revises: 5e7d0a1f0c01
Create Date: 2026-11-29 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6a55c0de0001'
down_revision = '5e7d0a1f0c01'
branch_labels = None
depends_on = None

LANGUAGE_METHOD = sa.Enum('menu', 'keyword', 'detection', name='languagemethod', native_enum=False, length=20)


def upgrade():
    op.create_table('sms_conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=255), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=True),
    sa.Column('language_method', LANGUAGE_METHOD, nullable=True),
    sa.Column('step', sa.Enum('language', 'department', 'window', 'day', 'time', 'done', name='step', native_enum=False, length=20), nullable=False),
    sa.Column('department_slug', sa.String(length=60), nullable=True),
    sa.Column('callback_day', sa.Date(), nullable=True),
    sa.Column('opted_out', sa.Boolean(), nullable=False),
    sa.Column('opted_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('window_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('window_count', sa.Integer(), nullable=False),
    sa.Column('latest_request_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['latest_request_id'], ['requests.id'], name=op.f('fk_sms_conversations_latest_request_id_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_conversations')),
    sa.UniqueConstraint('phone_hash', name=op.f('uq_sms_conversations_phone_hash'))
    )
    op.create_table('sms_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.Enum('inbound', 'outbound', name='direction', native_enum=False, length=20), nullable=False),
    sa.Column('sid', sa.String(length=64), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=True),
    sa.Column('status', sa.Enum('received', 'throttled', 'ignored', 'queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'blocked', name='messagestatus', native_enum=False, length=20), nullable=False),
    sa.Column('reply_body', sa.Text(), nullable=True),
    sa.Column('event', sa.String(length=40), nullable=True),
    sa.Column('sender', sa.String(length=20), nullable=True),
    sa.Column('segments', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error_code', sa.String(length=20), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status_updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['sms_conversations.id'], name=op.f('fk_sms_messages_conversation_id_sms_conversations')),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_sms_messages_request_id_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_messages')),
    sa.UniqueConstraint('sid', name=op.f('uq_sms_messages_sid'))
    )
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.create_index('ix_sms_messages_conversation_created', ['conversation_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_messages_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_messages_status'), ['status'], unique=False)

    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language_method', LANGUAGE_METHOD, nullable=True))
        batch_op.alter_column('resident_phone',
               existing_type=sa.String(length=20),
               type_=sa.String(length=255),
               existing_nullable=True)
    _convert_phones(encrypt=True)


def downgrade():
    _convert_phones(encrypt=False)
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.alter_column('resident_phone',
               existing_type=sa.String(length=255),
               type_=sa.String(length=20),
               existing_nullable=True)
        batch_op.drop_column('language_method')

    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_messages_status'))
        batch_op.drop_index(batch_op.f('ix_sms_messages_request_id'))
        batch_op.drop_index('ix_sms_messages_conversation_created')

    op.drop_table('sms_messages')
    op.drop_table('sms_conversations')


def _convert_phones(encrypt):
    """Encrypt the resident phones stored in clear before this revision (or decrypt them back)."""
    from cryptography.fernet import InvalidToken
    from flask import current_app

    cipher = current_app.extensions["phone_cipher"]
    requests = sa.table('requests', sa.column('id', sa.Integer()), sa.column('resident_phone', sa.String()))
    bind = op.get_bind()
    rows = bind.execute(sa.select(requests.c.id, requests.c.resident_phone).where(requests.c.resident_phone.is_not(None))).all()
    for row_id, value in rows:
        try:
            plain = cipher.decrypt(value)
        except (InvalidToken, ValueError):
            plain = None  # not a token: a number stored in clear
        if encrypt and plain is None:
            new = cipher.encrypt(value)
        elif not encrypt and plain is not None:
            new = plain
        else:
            continue
        bind.execute(requests.update().where(requests.c.id == row_id).values(resident_phone=new))
