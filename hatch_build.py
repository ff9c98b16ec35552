"""Build hook: compile the classifier's training loop (`bot/_descent.c`) into the package.

The loop trains the model in a fraction of the time the numpy steps take (README, "Speed,
in short"). Without a C compiler the package is built as pure Python and the bot trains
with numpy: slower at the first start after a change, the same answers."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = "bot/_descent.c"


class CustomBuildHook(BuildHookInterface):
    """Compiles the extension next to its source; a wheel carries it, an editable
    install finds it where it is."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        built = _compile(Path(self.root))
        if built is None:
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        if version != "editable":
            build_data["force_include"][str(built)] = f"bot/{built.name}"


def _compile(root: Path) -> Path | None:
    """Build the extension in place with setuptools' compiler driver; None (and a
    warning) where that fails, e.g. with no compiler installed."""
    from setuptools import Distribution, Extension
    from setuptools.command.build_ext import build_ext

    previous = Path.cwd()
    for stale in (root / "bot").glob("_descent.*"):  # an earlier build's: never load it
        if stale.suffix != ".c":
            stale.unlink()
    try:
        os.chdir(root)
        extension = Extension("bot._descent", [SOURCE], extra_compile_args=["-O3"])
        command = build_ext(Distribution({"name": "bot", "ext_modules": [extension]}))
        command.inplace = True
        with tempfile.TemporaryDirectory() as scratch:  # object files: not in the tree
            command.build_temp = command.build_lib = scratch
            command.ensure_finalized()
            command.run()
        return root / command.get_ext_filename("bot._descent")
    except Exception as error:  # any failure leaves the numpy trainer
        print(f"warning: {SOURCE} not compiled ({error}); training uses numpy", file=sys.stderr)
        return None
    finally:
        os.chdir(previous)
