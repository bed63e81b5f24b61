"""The result cache on disk: signed entries, atomic writes, LRU bounded by size.

PROTOCOL.md section 8. One file per key, ``<key>.rkc``, in a folder beside the
notebook. An entry is a pickle (protocol 5, written by cloudpickle so that
functions and classes defined in cells survive) whose large buffers (numpy
arrays, DataFrame blocks) are stored out of band, 64-byte aligned, and loaded
back without a copy::

    b"RKCACHE1" | HMAC-SHA256 (32 bytes) | body
    body = u64 buffer count | u64 pickle length | u64 length per buffer
           | pickle | padding | buffer | padding | buffer ...

Loading a pickle runs code, so the store only loads what it wrote: the HMAC
covers the whole body and is keyed with a per-user secret kept 0600 in the
Jupyter data dir (:func:`user_key`). A missing, unsigned, truncated or corrupt
entry is a miss (``None``), never an error. Writes go to a temporary file that
is renamed into place, so a reader never sees half an entry. Use is recorded
in the file's mtime; past ``limit`` bytes the least recently used go.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import re
import secrets
import struct
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cloudpickle

MAGIC = b"RKCACHE1"
_MAC = 32
_ALIGN = 64
_SUFFIX = ".rkc"
_CHUNK = 16 << 20
KEY_FILE = "reactive-cache.key"
_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}\.[0-9a-f]{16,128}")
"""``<cell id>.<hex key>``: safe as a file name, and one cell's entries share a prefix."""


def user_key(data_dir: str | os.PathLike[str] | None = None) -> bytes:
    """The per-user signing secret, created (mode 0600) on first use.

    Lives in ``jupyter_core.paths.jupyter_data_dir()`` unless ``data_dir`` is
    given. Created with ``O_EXCL`` so two kernels starting at once agree.
    """
    if data_dir is None:
        from jupyter_core.paths import jupyter_data_dir

        data_dir = jupyter_data_dir()
    folder = Path(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = path.read_bytes()
        if len(secret) >= 32:
            return secret
        raise OSError(f"the cache signing key {path} is damaged; delete it") from None
    with os.fdopen(fd, "wb") as f:
        f.write(secrets.token_bytes(32))
    return path.read_bytes()


def _pad(n: int) -> int:
    return -n % _ALIGN


def dumps(value: Any) -> tuple[bytes, list[pickle.PickleBuffer]]:
    """The pickle of ``value`` and its out-of-band buffers; raises whatever
    pickling raises (the caller reports the value as uncacheable)."""
    buffers: list[pickle.PickleBuffer] = []
    data = cloudpickle.dumps(value, protocol=5, buffer_callback=buffers.append)
    return data, buffers


class CacheStore:
    """A folder of signed entries, at most ``limit`` bytes (least recently used go)."""

    def __init__(self, folder: str | os.PathLike[str], secret: bytes, limit: int) -> None:
        self.folder = Path(folder)
        self.secret = secret
        self.limit = limit
        self._sizes: dict[str, int] | None = None
        self._lock = threading.Lock()

    # -- index ------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise ValueError(f"bad cache key {key!r}")
        return self.folder / f"{key}{_SUFFIX}"

    def _index(self) -> dict[str, int]:
        if self._sizes is None:
            sizes: dict[str, int] = {}
            for path, stat in self._entries():
                sizes[path.name[: -len(_SUFFIX)]] = stat.st_size
            self._sizes = sizes
        return self._sizes

    def _entries(self) -> Iterator[tuple[Path, os.stat_result]]:
        try:
            names = os.listdir(self.folder)
        except OSError:
            return
        for name in names:
            if name.endswith(_SUFFIX):
                path = self.folder / name
                try:
                    yield path, path.stat()
                except OSError:
                    continue

    @property
    def size(self) -> int:
        """Bytes held by entries."""
        return sum(self._index().values())

    def keys(self) -> list[str]:
        return sorted(self._index())

    # -- reading ----------------------------------------------------------------

    def get(self, key: str) -> Any | None:
        """The value stored under ``key``, or ``None`` (missing, unsigned,
        truncated, corrupt). A hit counts as a use for the LRU order."""
        path = self._path(key)
        try:
            with open(path, "rb", buffering=0) as f:
                size = os.fstat(f.fileno()).st_size
                head = f.read(len(MAGIC) + _MAC)
                if len(head) != len(MAGIC) + _MAC or head[: len(MAGIC)] != MAGIC:
                    return None
                body = bytearray(size - len(head))
                if not _read_signed(f, memoryview(body), self.secret, head[len(MAGIC) :]):
                    return None
        except OSError:
            return None
        try:
            value = _decode(body)
        except Exception:  # signed by us but unreadable (e.g. a module gone): a miss
            return None
        try:
            os.utime(path)
        except OSError:
            pass
        return value

    # -- writing ----------------------------------------------------------------

    def put(self, key: str, data: bytes, buffers: list[pickle.PickleBuffer]) -> bool:
        """Store an entry made by :func:`dumps`, atomically; then evict down to
        the limit. False if it could not be written or exceeds the limit alone."""
        views = [b.raw() for b in buffers]
        header = struct.pack(f"<QQ{len(views)}Q", len(views), len(data), *(v.nbytes for v in views))
        parts: list[bytes | memoryview] = [header, data]
        offset = len(header) + len(data)
        for view in views:
            pad = _pad(len(MAGIC) + _MAC + offset)
            parts.append(b"\0" * pad)
            parts.append(view)
            offset += pad + view.nbytes
        total = len(MAGIC) + _MAC + offset
        if total > self.limit:
            return False
        mac = hmac.new(self.secret, digestmod=hashlib.sha256)
        for part in parts:
            mac.update(part)
        path = self._path(key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(MAGIC)
                    f.write(mac.digest())
                    for part in parts:
                        f.write(part)
                os.replace(tmp, path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except OSError:
            return False
        with self._lock:
            self._index()[key] = total
        self.evict(keep=key)
        return True

    def evict(self, keep: str | None = None) -> list[str]:
        """Delete least recently used entries until the total fits the limit."""
        with self._lock:
            index = self._index()
            total = sum(index.values())
            if total <= self.limit:
                return []
            by_use = sorted(
                ((stat.st_mtime_ns, path.name[: -len(_SUFFIX)]) for path, stat in self._entries()),
            )
            gone = []
            for _, key in by_use:
                if total <= self.limit:
                    break
                if key == keep:
                    continue
                try:
                    os.unlink(self._path(key))
                except OSError:
                    pass
                total -= index.pop(key, 0)
                gone.append(key)
            return gone

    def delete(self, keys: Callable[[str], bool] | None = None) -> int:
        """Drop entries (all, or those whose key ``keys`` accepts); returns how many."""
        with self._lock:
            index = self._index()
            dropped = 0
            for key in list(index):
                if keys is not None and not keys(key):
                    continue
                try:
                    os.unlink(self._path(key))
                except OSError:
                    pass
                index.pop(key, None)
                dropped += 1
            return dropped


def _read_signed(f: Any, body: memoryview, secret: bytes, expected: bytes) -> bool:
    """Read the body while hashing it; hashing a chunk (in a thread, hashlib
    releases the GIL) overlaps reading the next, so verifying a 100 MB entry
    costs about as much as reading it."""
    mac = hmac.new(secret, digestmod=hashlib.sha256)
    total = len(body)
    if total < _CHUNK:
        if f.readinto(body) != total or f.read(1):
            return False
        mac.update(body)
        return hmac.compare_digest(mac.digest(), expected)
    done = 0
    worker: threading.Thread | None = None
    while done < total:
        end = min(total, done + _CHUNK)
        got = f.readinto(body[done:end])
        if not got:
            break
        chunk = body[done : done + got]
        if worker is not None:
            worker.join()
        worker = threading.Thread(target=mac.update, args=(chunk,))
        worker.start()
        done += got
    if worker is not None:
        worker.join()
    if done != total or f.read(1):
        return False
    return hmac.compare_digest(mac.digest(), expected)


def _decode(body: bytearray) -> Any:
    view = memoryview(body)
    count, length = struct.unpack_from("<QQ", view)
    if count > len(body) // 8:
        raise ValueError("bad buffer count")
    sizes = struct.unpack_from(f"<{count}Q", view, 16)
    offset = 16 + 8 * count
    data = view[offset : offset + length]
    offset += length
    buffers = []
    for size in sizes:
        offset += _pad(len(MAGIC) + _MAC + offset)
        if offset + size > len(body):
            raise ValueError("truncated buffer")
        buffers.append(view[offset : offset + size])
        offset += size
    return pickle.loads(data, buffers=buffers)
