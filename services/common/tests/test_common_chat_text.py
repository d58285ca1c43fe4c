"""Chat spellings are spelled out for the coder and the lexicons, and nothing else changes."""

from __future__ import annotations

import pytest

from practicum_common.chat_text import spell_out_chat_forms


@pytest.mark.parametrize(
    ("typed", "spelled"),
    [
        ("so ur saying ur wife doesnt know", "so you're saying your wife doesn't know"),
        ("im not sure, idk", "i'm not sure, i don't know"),
        ("are u thinking about killing urself?", "are you thinking about killing yourself?"),
        ("ok, its ur choice", "okay, it's your choice"),
        ("ur not ready yet", "you're not ready yet"),
        ("r u ok rn", "are you okay right now"),
        ("thats what uve told me", "that's what you've told me"),
    ],
)
def test_chat_spellings_are_spelled_out(typed: str, spelled: str) -> None:
    assert spell_out_chat_forms(typed) == spelled


@pytest.mark.parametrize(
    "text",
    [
        # English words that are also apostrophe-less contractions stay as typed.
        "well i'll be ill, we were there",
        "he said hell no",
        # Already spelled out, or part of a longer token.
        "i'm sure you're right, it's okay",
        "<|im_start|>system",
        "umbrella, ursula, kudos, rugby",
    ],
)
def test_other_text_is_unchanged(text: str) -> None:
    assert spell_out_chat_forms(text) == text
