"""Reading YAML as nodes, so that every problem can name its line.

`yaml.safe_load` forgets where values came from and silently keeps the last of
two duplicate keys; composing to nodes keeps both the line and the duplicates.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import yaml

from bot.datafiles import MAX_FILE_BYTES, UnsafeFile, read_data_file
from bot.problems import Problem, display_path

Node = yaml.Node
MAX_PROBLEMS_PER_FILE = 100
# libyaml's parser when PyYAML was built with it (the wheels are): the same nodes, lines and
# errors, about 15 times faster than the pure-Python one, which took half of the cold start;
# it also refuses nesting deeper than 1,000 levels instead of recursing
LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlFile:
    """One YAML file being checked; collects its problems as it is read."""

    def __init__(self, path: Path, problems: list[Problem], *, limit: int = MAX_FILE_BYTES) -> None:
        self.path = path
        self.limit = limit
        self.name = display_path(path)
        self.problems = problems
        self.errors = 0
        reported = len(problems)
        self.root: Node | None = self._compose()
        # unreadable (reported by _compose): nothing more to say about its content
        self.unreadable = len(problems) > reported

    def error(self, node: Node | None, message: str) -> None:
        """Report a problem; past MAX_PROBLEMS_PER_FILE only count them (a file full of
        unknown keys would otherwise make millions of lines)."""
        self.errors += 1
        if self.errors < MAX_PROBLEMS_PER_FILE:
            self.problems.append(Problem(self.name, line_of(node), message))
        elif self.errors == MAX_PROBLEMS_PER_FILE:
            self.problems.append(
                Problem(self.name, line_of(node), "more problems in this file; fix these first")
            )

    def _compose(self) -> Node | None:
        try:
            raw = read_data_file(self.path, self.path.parent, self.limit)
        except UnsafeFile as exc:
            self.problems.append(Problem(self.name, 0, str(exc)))
            return None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            self.problems.append(Problem(self.name, line, "not valid UTF-8 text"))
            return None
        try:
            return yaml.compose(text, Loader=LOADER)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else 0
            what = exc.problem or exc.context or "invalid YAML"
            self.problems.append(Problem(self.name, line, f"invalid YAML: {what}"))
        except (yaml.YAMLError, RecursionError, ValueError) as exc:
            self.problems.append(Problem(self.name, 0, f"invalid YAML: {exc}"))
        return None

    def mapping(
        self,
        node: Node | None,
        what: str,
        *,
        required: tuple[str, ...] = (),
        optional: tuple[str, ...] = (),
        any_keys: bool = False,
    ) -> dict[str, tuple[Node, Node]]:
        """The entries of a mapping node as {key: (key_node, value_node)}.

        Reports a node that is not a mapping, keys that are not plain strings,
        duplicate keys, and (unless `any_keys`) unknown or missing keys.
        """
        if not isinstance(node, yaml.MappingNode):
            if not (node is None and self.unreadable):
                self.error(node, f"{what} must be a mapping of `key: value` lines")
            return {}
        entries: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or not key_node.value:
                self.error(key_node, f"{what}: keys must be plain names")
                continue
            key = key_node.value
            if key in entries:
                first = line_of(entries[key][0])
                self.error(key_node, f"{what}: duplicate key {key!r} (first on line {first})")
                continue
            if not any_keys and key not in required and key not in optional:
                allowed = ", ".join(required + optional)
                self.error(key_node, f"{what}: unknown key {key!r} (expected: {allowed})")
                continue
            entries[key] = (key_node, value_node)
        for key in required:
            if key not in entries:
                self.error(node, f"{what}: missing key {key!r}")
        return entries

    def text(self, node: Node | None, what: str, *, multiline: bool = False) -> str | None:
        """A non-empty string value, or None after reporting why not."""
        if not isinstance(node, yaml.ScalarNode):
            self.error(node, f"{what} must be text")
            return None
        value = str(node.value).strip()
        if not value:
            self.error(node, f"{what} is empty")
            return None
        if not multiline and "\n" in value:
            self.error(node, f"{what} must be on one line")
            return None
        return value

    def integer(self, node: Node | None, what: str) -> int | None:
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":int"):
            try:
                return int(node.value.replace("_", ""), 0)
            except ValueError:
                pass
        self.error(node, f"{what} must be a whole number")
        return None

    def boolean(self, node: Node | None, what: str) -> bool | None:
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":bool"):
            return node.value.lower() in {"true", "yes", "on", "y"}
        self.error(node, f"{what} must be true or false")
        return None

    def sequence(self, node: Node | None, what: str) -> Iterator[Node]:
        """The items of a list node (a list written inline `[a, b]` or one `- item` a line)."""
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
            return iter(())
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"{what} must be a list")
            return iter(())
        return iter(node.value)


def line_of(node: Node | None) -> int:
    return node.start_mark.line + 1 if node is not None and node.start_mark else 0
