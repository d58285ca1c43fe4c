"""Per-delta cost of the streaming guard (not a test: run ``python bench_guard.py``).

Streams realistic client replies in token-sized deltas (1-6 characters) and reports the
mean time per ``feed`` call, plus the cost of the whole reply including ``finish``.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from practicum_simulation.domain.guard import GuardConfig, StreamGuard

REPLIES = [
    "Yeah, I hear you. It's been a long couple months, and I'm not real sure what I'm "
    "supposed to do with myself now. Kayla calls on Sundays, that's about it.",
    "Honestly? I've thought about ending it. Most nights lately. I keep a handgun at home, "
    "and it isn't locked up, and I know how that sounds, brother.",
    "Look, to be fair, I'm the one holding everything together at home, and nobody sees "
    "that. Point one, I was gone. Point two, I came back and everything had changed.",
]
SIZES = [4, 3, 5, 1, 6, 2, 4, 4]


def deltas(text: str) -> list[str]:
    out, i, k = [], 0, 0
    while i < len(text):
        n = SIZES[k % len(SIZES)]
        out.append(text[i : i + n])
        i, k = i + n, k + 1
    return out


def main(rounds: int = 400) -> None:
    config = GuardConfig.for_persona("Dale Whitaker", max_sentences=4, max_chars=400)
    per_delta: list[float] = []
    per_reply: list[float] = []
    for _ in range(rounds):
        for reply in REPLIES:
            pieces = deltas(reply)
            guard = StreamGuard(config)
            start = time.perf_counter()
            for piece in pieces:
                guard.feed(piece)
            guard.finish()
            elapsed = time.perf_counter() - start
            per_reply.append(elapsed)
            per_delta.append(elapsed / len(pieces))
    print(f"deltas per reply: ~{len(deltas(REPLIES[0]))}")
    print(f"per delta: median {statistics.median(per_delta) * 1e6:.1f} us")
    print(
        f"per reply: median {statistics.median(per_reply) * 1e3:.2f} ms, "
        f"p99 {sorted(per_reply)[int(len(per_reply) * 0.99)] * 1e3:.2f} ms"
    )


if __name__ == "__main__":
    main()
