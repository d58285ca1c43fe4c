"""Throughput and latency of the coder on one thread (a benchmark, not a test).

Workload: real AnnoMI utterances with their client context when the dev CSV is found,
otherwise a fixed built-in sample; each transcript's trainee turns are one conversation,
so the batch figure includes the sequence step. Reported: batch throughput
(utterances/s), single-turn latency p50/p99, the ratio of batch throughput to a naive
baseline that codes the same utterances one call at a time, and the latency of a trainee
turn coded as the grading service codes it: with the earlier turns of its window.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from .coder import CoderInput, load_coder

_SAMPLE: tuple[tuple[str, str, str | None], ...] = (
    ("So you're worried that drinking is starting to affect your work.", "trainee", "I was late twice last week."),
    ("What would you like to be different six months from now?", "trainee", "I don't know, things are a mess."),
    ("Do you smoke every day?", "trainee", "Yeah, mostly."),
    ("Mm-hmm.", "trainee", "And then my brother called me."),
    ("It took a lot of courage to come in today.", "trainee", "I almost didn't come."),
    ("You need to stop drinking before it kills you.", "trainee", "I only drink on weekends."),
    ("I really want to quit this time.", "client", None),
    ("I don't see why everyone makes such a fuss about it.", "client", None),
)


def _workload(data: str | None, n: int) -> list[CoderInput]:
    items: list[CoderInput] = []
    path: Path | None = None
    try:
        from .cli import default_data_path

        path = Path(data) if data else default_data_path()
    except SystemExit:
        path = None
    if path is not None and path.is_file():
        from .data import load_annomi

        items = [
            CoderInput(u.text, "trainee", u.prev_client_text, conversation=u.transcript_id)
            if u.is_therapist
            else CoderInput(u.text, "client")
            for u in load_annomi(path).utterances
        ]
    if not items:
        items = [CoderInput(t, s, p, conversation="sample" if s == "trainee" else None) for t, s, p in _SAMPLE]
    reps = -(-n // len(items))
    return (items * reps)[:n]


def run_bench(
    model: str | None, data: str | None, *, n_batch: int = 5000, n_single: int = 1000, batch_size: int = 256
) -> str:
    coder = load_coder(model)
    batch_items = _workload(data, n_batch)
    single_items = batch_items[:n_single]
    coder.code_batch(batch_items[:batch_size])  # warm-up: first-call allocations, page faults

    start = time.perf_counter()
    for i in range(0, len(batch_items), batch_size):
        coder.code_batch(batch_items[i : i + batch_size])
    batch_rate = len(batch_items) / (time.perf_counter() - start)

    latencies = []
    for item in single_items:
        t0 = time.perf_counter()
        coder.code(item.text, item.speaker, item.prev_client_text)
        latencies.append(time.perf_counter() - t0)
    lat = np.array(latencies) * 1000.0
    naive_rate = len(single_items) / (lat.sum() / 1000.0)

    # The grading service's call: a trainee turn with the earlier turns of its window.
    trainee = [i for i in batch_items if i.conversation is not None]
    window = coder.sequence_window
    in_session = []
    for j in range(window, min(len(trainee), window + n_single)):
        t0 = time.perf_counter()
        coder.code_batch(trainee[j - window : j + 1])
        in_session.append(time.perf_counter() - t0)
    session_lat = np.array(in_session or [0.0]) * 1000.0

    threads = {v: os.environ.get(v, "unset") for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "n/a"
    mean_words = float(np.mean([len(i.text.split()) for i in batch_items]))
    return "\n".join(
        [
            f"coder {coder.version}; threads {threads}; cpus {cpus}",
            f"workload: {len(batch_items)} utterances (mean {mean_words:.1f} words), batches of {batch_size}",
            f"batch:  {batch_rate:,.0f} utterances/s",
            f"single: p50 {np.percentile(lat, 50):.2f} ms, p99 {np.percentile(lat, 99):.2f} ms, "
            f"max {lat.max():.2f} ms over {len(single_items)} calls",
            f"naive baseline (one call per utterance): {naive_rate:,.0f} utterances/s; "
            f"batching speed-up x{batch_rate / naive_rate:.1f}",
            f"in a session (a trainee turn with its {window} earlier turns, as grading codes it): "
            f"p50 {np.percentile(session_lat, 50):.2f} ms, p99 {np.percentile(session_lat, 99):.2f} ms "
            f"over {len(in_session)} calls",
        ]
    )
