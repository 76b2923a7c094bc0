"""The SMS conversation under arbitrary input (hypothesis): never a crash, every text stored once,
every reply short enough for two segments and carrying the 911 line."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from app.extensions import db
from app.requests.models import Channel, Request
from app.sms.models import Direction, SmsConversation, SmsMessage
from app.sms.segments import count_segments
from app.sms.services import receive_message
from tests.support.sms import seed_departments

SENDERS = ("+17045550142", "+19805550177", "+17045550199", "12345", "not a number")
WORDS = st.sampled_from(
    ["1", "2", "3", "9", "0", "12", "STOP", "start", "HELP", "status", "español", "中文",
     "русский", "हिन्दी", "ไทย", "ລາວ", "hola", "necesito ayuda", "👍", "🙂🙂", "", "  "]
)  # fmt: skip
BODIES = st.one_of(WORDS, st.text(max_size=40), st.text(min_size=1500, max_size=1600))
_sids = itertools.count(1)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(texts=st.lists(st.tuples(st.sampled_from(SENDERS), BODIES), min_size=1, max_size=12))
def test_any_sequence_of_texts_is_stored_once_and_answered_well(app, city, ctx, texts):
    seed_departments(app)
    sms_requests = select(func.count()).select_from(Request).where(Request.channel == Channel.SMS)
    before = db.session.scalar(sms_requests)
    sids = []
    for sender, body in texts:
        sid = f"SMprop{next(_sids):026d}"
        sids.append(sid)
        first = receive_message(sid, sender, body)
        again = receive_message(sid, sender, body)  # Twilio's retry: same answer, nothing new
        assert again.reply == first.reply
        if first.reply is not None:
            assert count_segments(first.reply).segments <= 2, first.reply
            assert "911" in first.reply
    stored = db.session.scalar(
        select(func.count())
        .select_from(SmsMessage)
        .where(SmsMessage.direction == Direction.INBOUND, SmsMessage.sid.in_(sids))
    )
    assert stored == len(sids)
    made = db.session.scalar(sms_requests) - before
    assert made <= len(texts) // 3  # a request takes at least three texts: language, service, time
    # Hypothesis reuses the test's database between examples: start the next one empty.
    db.session.execute(delete(SmsMessage))
    db.session.execute(delete(SmsConversation))
    db.session.commit()
