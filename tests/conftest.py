"""Shared fixtures: the shipped explainer (loaded once) and small knowledge copies."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from bot.explainer import Explainer
from bot.paths import KNOWLEDGE_DIR, LOCALES_DIR

# PTB 22 warns on constructing RetryAfter (a 429) unless timedeltas are opted into;
# with warnings as errors that would turn every 429 into a test error.
os.environ.setdefault("PTB_TIMEDELTA", "1")

# The trained-model cache of every process the tests start (`python -m bot ...`, the bot)
# is this session's own directory, never the user's ~/.cache (bot/modelcache.py).
os.environ["BOT_CACHE_DIR"] = tempfile.mkdtemp(prefix="bot-test-cache-")
atexit.register(shutil.rmtree, os.environ["BOT_CACHE_DIR"], ignore_errors=True)

ROOT = Path(__file__).resolve().parent.parent
# Data the tests need lives in the repository, so that a plain clone passes on its own.
DATA = ROOT / "tests" / "data"


@pytest.fixture(scope="session")
def explainer() -> Explainer:
    return Explainer.load()


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped knowledge (English, topics, links only)."""
    target = tmp_path / "knowledge"
    target.mkdir()
    for name in ("topics.yaml", "links.yaml", "en.yaml"):
        shutil.copy(KNOWLEDGE_DIR / name, target / name)
    return target


@pytest.fixture
def locales_copy(tmp_path: Path) -> Path:
    target = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, target)
    return target
