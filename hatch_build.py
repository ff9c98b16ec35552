"""Build hook: compile the classifier's training loop (`bot/_descent.c`), the
vectorizer's fit (`bot/_grams.c`: character pieces, counts and rows) and the second
look's rough cosines (`bot/_meaning.c`) into the package.

The loop trains the model in a fraction of the time the numpy steps take, and the fit's
steps save about 0.3 s of a first start (README, "Speed, in short"). Without a C compiler the
package is built as pure Python and the bot does both in Python and numpy: slower at the first start
after a change, the same answers. Each extension is compiled on its own: one that fails
leaves the other."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCES = {
    "bot._descent": "bot/_descent.c",
    "bot._grams": "bot/_grams.c",
    "bot._meaning": "bot/_meaning.c",
}


class CustomBuildHook(BuildHookInterface):
    """Compiles the extension next to its source; a wheel carries it, an editable
    install finds it where it is."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        built = [
            path
            for name, source in SOURCES.items()
            if (path := _compile(Path(self.root), name, source))
        ]
        if not built:
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        if version != "editable":
            for path in built:
                build_data["force_include"][str(path)] = f"bot/{path.name}"


def _compile(root: Path, name: str, source: str) -> Path | None:
    """Build the extension `name` from `source` in place with setuptools' compiler driver;
    None (and a warning) where that fails, e.g. with no compiler installed."""
    from setuptools import Distribution, Extension
    from setuptools.command.build_ext import build_ext

    previous = Path.cwd()
    module = name.rsplit(".", 1)[-1]
    for stale in (root / "bot").glob(f"{module}.*"):  # an earlier build's: never load it
        if stale.suffix != ".c":
            stale.unlink()
    try:
        os.chdir(root)
        extension = Extension(name, [source], extra_compile_args=["-O3"])
        command = build_ext(Distribution({"name": "bot", "ext_modules": [extension]}))
        command.inplace = True
        with tempfile.TemporaryDirectory() as scratch:  # object files: not in the tree
            command.build_temp = command.build_lib = scratch
            command.ensure_finalized()
            command.run()
        return root / command.get_ext_filename(name)
    except Exception as error:  # any failure leaves the numpy steps
        print(f"warning: {source} not compiled ({error}); numpy does its work", file=sys.stderr)
        return None
    finally:
        os.chdir(previous)
