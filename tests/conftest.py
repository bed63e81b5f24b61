"""Shared fixtures: real kernel processes through jupyter_client."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from harness import KernelHarness, start_kernel, stop_kernel


@pytest.fixture(scope="module")
def shared_kernel() -> Iterator[KernelHarness]:
    """One kernel for a whole test module; tests use unique cell ids and names."""
    km, kc = start_kernel()
    try:
        yield KernelHarness(kc)
    finally:
        stop_kernel(km, kc)


@pytest.fixture
def kernel(shared_kernel: KernelHarness) -> KernelHarness:
    return shared_kernel


@pytest.fixture
def fresh_kernel() -> Iterator[KernelHarness]:
    """A kernel of the test's own, for tests that need an empty notebook."""
    km, kc = start_kernel()
    harness = KernelHarness(kc)
    harness.manager = km  # type: ignore[attr-defined]
    try:
        yield harness
    finally:
        stop_kernel(km, kc)


@pytest.fixture
def uid() -> str:
    """A short unique suffix for cell ids and variable names."""
    return uuid.uuid4().hex[:8]
