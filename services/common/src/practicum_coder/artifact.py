"""The committed model artifact: one pickle-free ``.npz`` written byte-for-byte reproducibly.

``numpy.savez`` stamps each zip member with the current time, so two identical trainings
would give different bytes and a different version hash. We write the zip ourselves with
a fixed timestamp and sorted members: same data + same code -> same file -> same version.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .features import FeatureSpec, Vocabulary
from .linear import LinearModel
from .sequence import SequenceModel
from .session import SessionModel

ARTIFACT_NAME = "coder.npz"
FORMAT_VERSION = 1
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Artifact:
    vocabularies: Mapping[str, Mapping[str, Vocabulary]]  # group -> block -> vocabulary
    models: Mapping[str, LinearModel]
    specs: Mapping[str, tuple[str, FeatureSpec]]  # model -> (vocabulary group, spec)
    session: SessionModel
    meta: Mapping[str, Any]
    # Fingerprints of the training utterances (``provenance``): lets ``grader-eval`` tell
    # which transcripts of a CSV the model has seen. Artifacts written before it have none.
    training_fingerprints: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    # The behaviour model's sequence step (``sequence``); artifacts written before it have
    # none, and code every turn alone.
    sequence: SequenceModel | None = None


def _text_array(items: list[str]) -> np.ndarray:
    # Terms never contain newlines (they come from whitespace-split, normalised text).
    return np.frombuffer("\n".join(items).encode("utf-8"), dtype=np.uint8)


def _text_items(array: np.ndarray) -> list[str]:
    raw = array.tobytes().decode("utf-8")
    return raw.split("\n") if raw else []


def to_arrays(artifact: Artifact) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {}
    for group, blocks in artifact.vocabularies.items():
        for block, vocab in blocks.items():
            terms = sorted(vocab.terms, key=vocab.terms.__getitem__)
            arrays[f"vocab/{group}/{block}/terms"] = _text_array(terms)
            arrays[f"vocab/{group}/{block}/idf"] = vocab.idf.astype(np.float32)
    for name, model in artifact.models.items():
        arrays[f"model/{name}/classes"] = _text_array(list(model.classes))
        arrays[f"model/{name}/coef"] = model.coef.astype(np.float32)
        arrays[f"model/{name}/intercept"] = model.intercept.astype(np.float64)
        arrays[f"model/{name}/temperature"] = np.array([model.temperature], dtype=np.float64)
    arrays["session/calibration"] = np.array([artifact.session.slope, artifact.session.intercept])
    arrays["training/fingerprints"] = artifact.training_fingerprints.astype(np.uint64)
    if artifact.sequence is not None:
        arrays["sequence/behaviour/classes"] = _text_array(list(artifact.sequence.classes))
        arrays["sequence/behaviour/transition"] = artifact.sequence.transition.astype(np.float64)
        arrays["sequence/behaviour/prior"] = artifact.sequence.prior.astype(np.float64)
        arrays["sequence/behaviour/weight"] = np.array([artifact.sequence.weight], dtype=np.float64)
        arrays["sequence/behaviour/window"] = np.array([artifact.sequence.window], dtype=np.int64)
    specs = {
        name: {"group": group, "blocks": [[b, w] for b, w in spec.blocks], "dense": spec.dense}
        for name, (group, spec) in artifact.specs.items()
    }
    meta = dict(artifact.meta, format_version=FORMAT_VERSION, specs=specs)
    arrays["meta"] = np.frombuffer(json.dumps(meta, sort_keys=True, indent=1).encode("utf-8"), dtype=np.uint8)
    return arrays


def save(artifact: Artifact, path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = to_arrays(artifact)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for key in sorted(arrays):
            info = zipfile.ZipInfo(key + ".npy", date_time=_FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(arrays[key]), allow_pickle=False)
            zf.writestr(info, member.getvalue(), compresslevel=9)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(path)


def load(path: str | Path) -> tuple[Artifact, str]:
    """The artifact and the sha256 of its bytes (the coder version is derived from it)."""
    raw = Path(path).read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    meta: dict[str, Any] = json.loads(arrays["meta"].tobytes().decode("utf-8"))
    if meta.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path}: artifact format {meta.get('format_version')!r}, expected {FORMAT_VERSION}")
    vocabularies: dict[str, dict[str, Vocabulary]] = {}
    for key in arrays:
        if key.startswith("vocab/") and key.endswith("/terms"):
            _, group, block, _ = key.split("/")
            terms = _text_items(arrays[key])
            idf = arrays[f"vocab/{group}/{block}/idf"].astype(np.float64)
            vocabularies.setdefault(group, {})[block] = Vocabulary({t: i for i, t in enumerate(terms)}, idf)
    specs: dict[str, tuple[str, FeatureSpec]] = {}
    models: dict[str, LinearModel] = {}
    for name, spec in meta["specs"].items():
        specs[name] = (spec["group"], FeatureSpec(tuple((b, float(w)) for b, w in spec["blocks"]), bool(spec["dense"])))
        models[name] = LinearModel(
            tuple(_text_items(arrays[f"model/{name}/classes"])),
            arrays[f"model/{name}/coef"],
            arrays[f"model/{name}/intercept"],
            float(arrays[f"model/{name}/temperature"][0]),
        )
    session = SessionModel(float(arrays["session/calibration"][0]), float(arrays["session/calibration"][1]))
    known = arrays.get("training/fingerprints", np.zeros(0, dtype=np.uint64)).astype(np.uint64)
    sequence = None
    if "sequence/behaviour/transition" in arrays:
        sequence = SequenceModel(
            tuple(_text_items(arrays["sequence/behaviour/classes"])),
            arrays["sequence/behaviour/transition"].astype(np.float64),
            arrays["sequence/behaviour/prior"].astype(np.float64),
            float(arrays["sequence/behaviour/weight"][0]),
            int(arrays["sequence/behaviour/window"][0]),
        )
    return Artifact(vocabularies, models, specs, session, meta, known, sequence), digest
