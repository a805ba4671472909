"""YAML loading that remembers the line every key and item came from, so errors can name it."""

import yaml


class LineDict(dict):
    """A mapping that knows its own line and each key's line (1-based, in the file)."""

    line: int
    key_lines: dict

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A sequence that knows its own line and each item's line (1-based, in the file)."""

    line: int
    item_lines: list


class ContentYAMLError(ValueError):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


class _SafeLineLoader(yaml.SafeLoader):
    """SafeLoader without implicit timestamps: dates in content stay the strings their authors wrote."""


_SafeLineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _convert(node, loader, offset):
    line = node.start_mark.line + 1 + offset
    if isinstance(node, yaml.MappingNode):
        result = LineDict()
        result.line = line
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, loader, offset)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise ContentYAMLError(key_node.start_mark.line + 1 + offset, "keys must be plain strings")
            if key in result:
                raise ContentYAMLError(key_node.start_mark.line + 1 + offset, f"duplicate key '{key}'")
            result[key] = _convert(value_node, loader, offset)
            result.key_lines[key] = key_node.start_mark.line + 1 + offset
        return result
    if isinstance(node, yaml.SequenceNode):
        result = LineList(_convert(child, loader, offset) for child in node.value)
        result.line = line
        result.item_lines = [child.start_mark.line + 1 + offset for child in node.value]
        return result
    return loader.construct_object(node, deep=True)


def load(text: str, *, line_offset: int = 0):
    """Parse one YAML document; raise ContentYAMLError with the file's line number on bad YAML."""
    loader = _SafeLineLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return _convert(node, loader, line_offset)
    except yaml.MarkedYAMLError as exc:
        # An unclosed quote or bracket is best placed where the construct began.
        if exc.context_mark and (isinstance(exc, yaml.scanner.ScannerError) or "flow" in (exc.context or "")):
            mark = exc.context_mark
        else:
            mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 if mark else 1) + line_offset
        problem = exc.problem or exc.context or "bad YAML"
        raise ContentYAMLError(line, f"bad YAML: {problem}") from exc
    except yaml.YAMLError as exc:
        raise ContentYAMLError(1 + line_offset, f"bad YAML: {exc}") from exc
    finally:
        loader.dispose()
