"""Resident phone numbers: encrypted with a configured key, found by a keyed hash, shown masked."""

from __future__ import annotations

import pytest
from cryptography.fernet import InvalidToken

from app import create_app
from app.crypto import PhoneCipher, mask_phone

PHONE = "+17045550142"


def test_tokens_decrypt_and_differ_each_time():
    cipher = PhoneCipher(["a key"])
    first, second = cipher.encrypt(PHONE), cipher.encrypt(PHONE)
    assert first != second and PHONE not in first
    assert cipher.decrypt(first) == cipher.decrypt(second) == PHONE


def test_lookup_hash_is_stable_keyed_and_hides_the_number():
    one, other = PhoneCipher(["a key"]), PhoneCipher(["another key"])
    assert one.lookup_hash(PHONE) == PhoneCipher(["a key"]).lookup_hash(PHONE)
    assert one.lookup_hash(PHONE) != other.lookup_hash(PHONE)
    assert "5550142" not in one.lookup_hash(PHONE)


def test_a_wrong_key_cannot_read_a_token():
    token = PhoneCipher(["a key"]).encrypt(PHONE)
    with pytest.raises(InvalidToken):
        PhoneCipher(["another key"]).decrypt(token)


def test_rotation_keeps_old_tokens_readable():
    old = PhoneCipher(["old key"]).encrypt(PHONE)
    rotated = PhoneCipher(["new key", "old key"])
    assert rotated.decrypt(old) == PHONE
    assert PhoneCipher(["new key"]).decrypt(rotated.encrypt(PHONE)) == PHONE


def test_an_empty_key_is_refused():
    with pytest.raises(ValueError):
        PhoneCipher([""])


def test_key_comes_from_config_else_from_the_secret_key(tmp_path):
    def cipher(**config):
        app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "s1", **config})
        return app.extensions["phone_cipher"]

    from_secret = cipher()
    assert from_secret.lookup_hash(PHONE) == cipher().lookup_hash(PHONE)
    assert from_secret.lookup_hash(PHONE) != cipher(SECRET_KEY="s2").lookup_hash(PHONE)
    configured = cipher(PHONE_ENCRYPTION_KEY="k1, k0")
    assert configured.lookup_hash(PHONE) == PhoneCipher(["k1"]).lookup_hash(PHONE)
    assert configured.decrypt(PhoneCipher(["k0"]).encrypt(PHONE)) == PHONE


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+17045550142", "+1 ••• 0142"),
        ("+33612345678", "+33 ••• 5678"),
        ("", ""),
        (None, ""),
        ("12345", "••• 2345"),
    ],
)
def test_masks_keep_only_the_country_code_and_last_four_digits(phone, masked):
    assert mask_phone(phone) == masked
