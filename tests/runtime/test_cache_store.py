"""The result cache on disk (runtime/cache_store.py): signed entries, misses for
anything damaged or not ours, atomic writes, LRU eviction, the 0600 key file."""

from __future__ import annotations

import os
import pickle
import stat
from pathlib import Path

import pytest

from reactive_kernel.runtime.cache_store import KEY_FILE, CacheStore, dumps, user_key

np = pytest.importorskip("numpy")

KEY = "cell.{}".format("ab" * 32)


def key(n: int) -> str:
    return f"c{n}.{n:064x}"


@pytest.fixture
def store(tmp_path: Path) -> CacheStore:
    return CacheStore(tmp_path / "cache", b"s" * 32, limit=1 << 30)


def put(store: CacheStore, k: str, value: object) -> None:
    assert store.put(k, *dumps(value))


def entry(store: CacheStore, k: str) -> Path:
    return store.folder / f"{k}.rkc"


def test_round_trip_with_out_of_band_buffers(store: CacheStore) -> None:
    arr = np.arange(5_000_000, dtype=np.float64)
    put(store, KEY, {"names": {"arr": arr, "f": lambda v: v + 1}, "outputs": []})
    got = store.get(KEY)
    assert got is not None and np.array_equal(got["names"]["arr"], arr)
    assert got["names"]["f"](1) == 2
    assert got["names"]["arr"].flags.writeable
    assert store.get(key(7)) is None  # never stored
    assert not [p for p in store.folder.iterdir() if p.name.startswith(".tmp")]


@pytest.mark.parametrize("damage", ["truncate", "flip-body", "flip-mac", "empty", "foreign"])
def test_damaged_or_unsigned_entries_are_misses(store: CacheStore, damage: str) -> None:
    put(store, KEY, {"names": {"arr": np.arange(10)}, "outputs": ["x"]})
    path = entry(store, KEY)
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) - 7]
    elif damage == "flip-body":
        data[-3] ^= 0xFF
    elif damage == "flip-mac":
        data[10] ^= 0x01
    elif damage == "empty":
        data = bytearray()
    else:  # a pickle someone else put there, unsigned: never loaded
        data = bytearray(pickle.dumps({"names": {}, "outputs": []}))
    path.write_bytes(bytes(data))
    assert store.get(KEY) is None


def test_an_entry_signed_with_another_key_is_a_miss(store: CacheStore, tmp_path: Path) -> None:
    other = CacheStore(store.folder, b"t" * 32, limit=1 << 30)
    put(other, KEY, {"names": {"a": 1}, "outputs": []})
    assert store.get(KEY) is None and other.get(KEY) is not None


def test_lru_eviction_keeps_the_limit_and_recently_used(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "c", b"s" * 32, limit=3 * 1_100_000)
    blob = np.zeros(1_000_000, dtype=np.uint8)
    for n in range(3):
        put(store, key(n), blob)
        os.utime(entry(store, key(n)), ns=(n * 10**9, n * 10**9))
    assert store.get(key(0)) is not None  # used now: the most recent
    put(store, key(3), blob)
    assert sorted(store.keys()) == [key(0), key(2), key(3)]  # key(1) was least recently used
    assert store.size <= store.limit
    assert store.get(key(1)) is None


def test_entry_over_the_limit_is_not_stored(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "c", b"s" * 32, limit=1000)
    assert not store.put(KEY, *dumps(np.zeros(10_000, dtype=np.uint8)))
    assert store.get(KEY) is None


def test_delete_all_or_one_cells_entries(store: CacheStore) -> None:
    put(store, "a.00ff00ff00ff00ff", 1)
    put(store, "a.11ff00ff00ff00ff", 2)
    put(store, "ab.00ff00ff00ff00ff", 3)
    assert store.delete(lambda k: k.startswith("a.")) == 2
    assert store.keys() == ["ab.00ff00ff00ff00ff"]
    assert store.delete() == 1 and store.keys() == []


def test_bad_keys_are_refused(store: CacheStore) -> None:
    with pytest.raises(ValueError):
        store.get("../etc.00ff00ff00ff00ff")


def test_user_key_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    first = user_key(tmp_path)
    mode = stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode)
    assert mode == 0o600 and len(first) == 32
    assert user_key(tmp_path) == first
    (tmp_path / KEY_FILE).write_bytes(b"short")
    with pytest.raises(OSError):
        user_key(tmp_path)


def test_a_store_reopened_sees_entries_in_use_order(store: CacheStore) -> None:
    put(store, KEY, "v")
    again = CacheStore(store.folder, store.secret, limit=store.limit)
    before = entry(store, KEY).stat().st_mtime_ns
    assert again.get(KEY) == "v" and again.keys() == [KEY]
    assert entry(store, KEY).stat().st_mtime_ns >= before
