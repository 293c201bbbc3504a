"""pytest setup: a private kernel cache per session, and the `gpu` marker.

CPU tests run everywhere (CI); tests marked `gpu` need a CUDA device and are
selected with `-m gpu` (they are skipped without one).
"""
import os
import tempfile

import pytest

# Before flashtile is imported anywhere: keep the user's cache untouched.
os.environ.setdefault("FLASHTILE_CACHE_DIR", tempfile.mkdtemp(prefix="flashtile-test-cache-"))


def pytest_collection_modifyitems(config, items):
    import torch
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
