"""Small, real audio files for the demo's call recordings.

Each recording row names a key under `demo/` in the "recordings" storage; `write_recordings()`
clears what an earlier seed wrote there and writes a quarter-second WAV tone for every key
(8 kHz, 8-bit mono: about 2 KB), so that access packages carry real files and erasure has
real files to delete.
"""

from __future__ import annotations

import io
import math
import wave
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages

from .generate import RECORDINGS_PREFIX

RATE = 8000
SAMPLES = RATE // 4
TONES = (330, 392, 440, 494, 523, 587, 659, 698)


def tone(frequency: int) -> bytes:
    """A WAV file of a short tone that fades out."""
    frames = bytes(
        int(128 + 90 * (1 - i / SAMPLES) * math.sin(2 * math.pi * frequency * i / RATE))
        for i in range(SAMPLES)
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(RATE)
        out.writeframes(frames)
    return buffer.getvalue()


def write_recordings(rows: Iterable[tuple[int, str]], storage: Storage | None = None) -> int:
    """Write one audio file per (row id, key) under the demo prefix; returns the count.

    Only keys under `demo/` are written, and only that folder is cleared first: a storage
    configured for real recordings is never touched outside it.
    """
    storage = storage or storages["recordings"]
    _clear(storage, RECORDINGS_PREFIX)
    sounds = [tone(f) for f in TONES]
    written = 0
    for row_id, key in rows:
        if key and key.startswith(RECORDINGS_PREFIX + "/"):
            storage.save(key, ContentFile(sounds[row_id % len(sounds)]))
            written += 1
    return written


def _clear(storage: Storage, folder: str) -> None:
    try:
        directories, names = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in names:
        storage.delete(f"{folder}/{name}")
    for directory in directories:
        _clear(storage, f"{folder}/{directory}")
