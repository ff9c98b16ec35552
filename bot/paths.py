"""Where the shipped data lives, in a checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    bundled = _PACKAGE / "_data" / name  # installed wheel (see pyproject.toml)
    return bundled if bundled.is_dir() else _PACKAGE.parent / name  # checkout / editable


KNOWLEDGE_DIR = _data_dir("knowledge")
LOCALES_DIR = _data_dir("locales")
SOURCE_DIR = _PACKAGE
