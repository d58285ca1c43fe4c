from practicum_session.domain.auth import hash_key, issue_key, parse_key_id, verify


def test_issued_keys_verify_and_only_their_hash_is_needed() -> None:
    key = issue_key()
    assert parse_key_id(key.plaintext) == key.key_id
    assert verify(key.plaintext, key.key_hash)
    assert key.plaintext not in key.key_hash
    assert not verify(key.plaintext + "x", key.key_hash)


def test_malformed_keys_are_rejected_before_any_lookup() -> None:
    for bad in ("", "prk", "prk_short_secret", "xyz_0123456789ab_secret", "prk_0123456789ab_"):
        assert parse_key_id(bad) is None


def test_hash_is_stable() -> None:
    assert hash_key("a") == hash_key("a") != hash_key("b")
