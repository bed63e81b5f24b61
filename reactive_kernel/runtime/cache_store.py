"""The result cache on disk: signed entries, atomic writes, LRU bounded by size.

PROTOCOL.md section 8. One file per key, ``<cell id>.<key>.rkc``, in a folder
beside the notebook. An entry is a pickle (protocol 5, written by cloudpickle so
that functions and classes defined in cells survive) whose large buffers (numpy
arrays, DataFrame blocks) are stored out of band, 64-byte aligned, and loaded
back without a copy::

    b"RKCACHE2" | HMAC-SHA256 of the head (32 bytes) | head | data
    head = u64 buffer count | u64 pickle length | u64 chunk count
           | u64 length per buffer | SHA-256 per 8 MiB chunk of data | pickle
    data = padding | buffer | padding | buffer ...

Loading a pickle runs code, so the store only loads what it wrote: the HMAC is
keyed with a per-user secret kept 0600 in the Jupyter data dir
(:func:`user_key`) and covers the head, which holds the pickle and a SHA-256
of every chunk of the buffers, so every byte is verified. Chunk digests let
the buffers be hashed on all cores while they are read, so verifying costs
about what reading does. A missing, unsigned, truncated or corrupt entry is a
miss (``None``), never an error. Writes go to a temporary file renamed into
place, so a reader never sees half an entry. Use is recorded in the file's
mtime; past ``limit`` bytes the least recently used entries go.
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import cloudpickle

MAGIC = b"RKCACHE2"
_MAC = 32
_ALIGN = 64
_SUFFIX = ".rkc"
_CHUNK = 8 << 20
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
                body = _read_verified(f, self.secret)
        except (OSError, ValueError, struct.error):
            return None
        if body is None:
            return None
        try:
            value = _decode(*body)
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
        tail: list[bytes | memoryview] = []
        for view in views:
            tail.append(b"\0" * _pad(sum(len(t) for t in tail)))
            tail.append(view)
        size = sum(len(t) for t in tail)
        digests = _chunk_digests(tail, size)
        head = (
            struct.pack(
                f"<QQQ{len(views)}Q",
                len(views),
                len(data),
                len(digests),
                *(v.nbytes for v in views),
            )
            + b"".join(digests)
            + data
        )
        total = len(MAGIC) + _MAC + len(head) + size
        if total > self.limit:
            return False
        mac = hmac.new(self.secret, head, hashlib.sha256).digest()
        path = self._path(key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as f:
                    for part in (MAGIC, mac, head, *tail):
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


def _chunk_digests(parts: list[bytes | memoryview], size: int) -> list[bytes]:
    """SHA-256 of each ``_CHUNK`` bytes of the concatenation of ``parts``."""
    digests = []
    h = hashlib.sha256()
    filled = 0
    for part in parts:
        view = memoryview(part).cast("B")
        while len(view):
            take = min(len(view), _CHUNK - filled)
            h.update(view[:take])
            view = view[take:]
            filled += take
            if filled == _CHUNK:
                digests.append(h.digest())
                h, filled = hashlib.sha256(), 0
    if filled:
        digests.append(h.digest())
    return digests


def _read_verified(f: Any, secret: bytes) -> tuple[memoryview, list[int], int] | None:
    """Read and verify an entry: ``(data, buffer sizes, pickle length)`` with
    ``data`` = pickle + buffers, or None if it is not a whole entry we signed.

    The buffers are read into fresh memory (:func:`_allocate`) chunk by chunk; each
    chunk is hashed on a worker thread (hashlib releases the GIL) while the
    next one is read.
    """
    size = os.fstat(f.fileno()).st_size
    fixed = len(MAGIC) + _MAC + 24
    start = f.read(fixed)
    if len(start) != fixed or start[: len(MAGIC)] != MAGIC:
        return None
    mac = start[len(MAGIC) : len(MAGIC) + _MAC]
    count, length, chunks = struct.unpack_from("<QQQ", start, len(MAGIC) + _MAC)
    rest_of_head = 8 * count + 32 * chunks + length
    if fixed + rest_of_head > size:
        return None
    head_rest = f.read(rest_of_head)
    check = hmac.new(secret, start[len(MAGIC) + _MAC :], hashlib.sha256)
    check.update(head_rest)
    if len(head_rest) != rest_of_head or not hmac.compare_digest(check.digest(), mac):
        return None
    sizes = list(struct.unpack_from(f"<{count}Q", head_rest))
    digests = [head_rest[8 * count + 32 * i : 8 * count + 32 * (i + 1)] for i in range(chunks)]
    pickled = head_rest[8 * count + 32 * chunks :]
    tail = size - fixed - rest_of_head
    if len(digests) != (tail + _CHUNK - 1) // _CHUNK:
        return None
    if not tail:
        return memoryview(pickled), sizes, length
    at = length + _pad(length)  # buffers start 64-byte aligned in memory
    view = _allocate(at + tail)
    view[:length] = pickled
    if not _read_chunks(f, view[at:], digests):
        return None
    return view, sizes, length


def _read_chunks(f: Any, into: memoryview, digests: list[bytes]) -> bool:
    pool = _hash_pool()
    pending = []
    done = 0
    for expected in digests:
        end = min(len(into), done + _CHUNK)
        chunk = into[done:end]
        got = f.readinto(chunk)
        if got != len(chunk):
            return False
        pending.append((pool.submit(_sha256, chunk), expected))
        done = end
    if done != len(into) or f.read(1):
        return False
    return all(hmac.compare_digest(fut.result(), expected) for fut, expected in pending)


def _allocate(size: int) -> memoryview:
    """Writable memory for an entry, uninitialised. numpy's allocator (when
    numpy is there, as it is for any entry with large buffers) asks the OS for
    huge pages, which makes filling 100 MB several times faster than a
    zero-filled ``bytearray``."""
    try:
        import numpy
    except ImportError:
        return memoryview(bytearray(size))
    return memoryview(numpy.empty(size, dtype=numpy.uint8)).cast("B")


def _sha256(data: memoryview) -> bytes:
    return hashlib.sha256(data).digest()


_POOL: ThreadPoolExecutor | None = None


def _hash_pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(
            max_workers=max(1, os.cpu_count() or 1), thread_name_prefix="rkc"
        )
    return _POOL


def _decode(view: memoryview, sizes: list[int], length: int) -> Any:
    """Unpickle with the buffers as zero-copy slices of the entry's memory."""
    data = view[:length]
    at = length + _pad(length)
    buffers = []
    base = 0
    for size in sizes:
        base += _pad(base)
        start = at + base
        if start + size > len(view):
            raise ValueError("truncated buffer")
        buffers.append(view[start : start + size])
        base += size
    return pickle.loads(data, buffers=buffers)
