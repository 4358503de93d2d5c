"""Reading and checking a study config: one clear message per mistake, before any job.

The workflow's config.smk calls :func:`load_yaml` on config.yaml (so that a
syntax error names the file, line and column) and :func:`check_config` on the
merged config. Every error is a ``ValueError`` whose message is one line:
where (file and key path), what was expected, what was found, and for an
unknown key the nearest valid one.
"""

from __future__ import annotations

import difflib
import math
import os
from pathlib import Path

# Folders under results/ that the workflow itself writes: no scenario may take them.
RESERVED_NAMES = ("logs", "timing", "benchmarks", "datasets")


def load_yaml(path) -> dict:
    """The mapping in a YAML file; a syntax error names the file, line and column."""
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark else str(path)
        problem = " ".join(filter(None, [getattr(e, "context", None),
                                         getattr(e, "problem", None)])) or str(e)
        raise ValueError(f"{where}: YAML syntax error: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: the config must be a mapping of keys to values, "
                         f"got a {type(data).__name__}")
    return data


def did_you_mean(name, valid) -> str:
    """'; did you mean 'means'?' for the valid name nearest to name, or ''."""
    near = difflib.get_close_matches(str(name), [str(v) for v in valid], n=1, cutoff=0.6)
    return f"; did you mean {near[0]!r}?" if near else ""


def key_path(parts) -> str:
    """('scenarios', 'a', 'sds', 1) -> 'scenarios.a.sds[1]'."""
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def _non_finite(node, path=()):
    """The key path of the first NaN or infinite number in a nested config, or None."""
    if isinstance(node, float) and not math.isfinite(node):
        return path, node
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return None
    for k, v in items:
        found = _non_finite(v, path + (k,))
        if found:
            return found
    return None


def _resolve(schema: dict, root: dict) -> dict:
    while "$ref" in schema:
        node = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _allows_integer(schema: dict) -> bool:
    t = schema.get("type")
    return t == "integer" or (isinstance(t, list) and "integer" in t)


def _allows_string(schema: dict, root: dict) -> bool:
    schema = _resolve(schema, root)
    t = schema.get("type")
    if t == "string" or (isinstance(t, list) and "string" in t) or "pattern" in schema:
        return True
    if any(isinstance(v, str) for v in schema.get("enum", [])):
        return True
    return any(_allows_string(sub, root) for sub in schema.get("oneOf", []) + schema.get("anyOf", []))


def _scalar_from_text(text: str):
    """'60' -> 60, '0.5' -> 0.5, 'true' -> True, 'null' -> None; other text unchanged."""
    import yaml

    for parse in (int, float):
        try:
            value = parse(text)
        except ValueError:
            continue
        return value if math.isfinite(value) else text
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if value is None or isinstance(value, bool) else text


def coerce_whole_numbers(node, schema: dict, root: dict):
    """Values as users type them, in place: counts written as 2.0 become 2
    wherever the schema asks for an integer (numpy wants ints), and text that
    is a number, boolean or null where the schema wants no text becomes that
    value (``snakemake --config sample_sizes=[60,200]`` hands the list's items
    over as the strings '60' and '200')."""
    schema = _resolve(schema, root)
    if isinstance(node, str) and not _allows_string(schema, root):
        node = _scalar_from_text(node)
    elif node in ("null", "~") and None in schema.get("enum", [0]):
        node = None
    for sub in schema.get("allOf", []) + schema.get("oneOf", []) + schema.get("anyOf", []):
        node = coerce_whole_numbers(node, sub, root)
    if isinstance(node, float) and _allows_integer(schema) and node.is_integer():
        return int(node)
    if isinstance(node, dict):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for k in list(node):
            sub = props.get(k, extra if isinstance(extra, dict) else None)
            if sub is not None:
                node[k] = coerce_whole_numbers(node[k], sub, root)
    elif isinstance(node, list):
        items = schema.get("items")
        for i, v in enumerate(node):
            node[i] = coerce_whole_numbers(v, items if isinstance(items, dict) else {}, root)
    return node


def fill_defaults(node, schema: dict, root: dict):
    """Missing keys that the schema gives a ``default`` are filled in, in place
    (as snakemake.utils.validate(set_default=True) does)."""
    import copy

    schema = _resolve(schema, root)
    for sub in schema.get("allOf", []):
        fill_defaults(node, sub, root)
    if isinstance(node, dict):
        props = schema.get("properties", {})
        for k, sub in props.items():
            sub_r = _resolve(sub, root)
            if k not in node and "default" in sub_r:
                node[k] = copy.deepcopy(sub_r["default"])
        extra = schema.get("additionalProperties")
        for k, v in node.items():
            sub = props.get(k, extra if isinstance(extra, dict) else None)
            if sub is not None:
                fill_defaults(v, sub, root)
    return node


def study_schema(path) -> dict:
    """The config schema at ``path`` with its ``fit`` block made from
    :data:`gmmem.settings.SETTINGS`."""
    from .settings import json_schema

    schema = load_yaml(path)
    schema["definitions"]["fit"] = json_schema()
    return schema


def _describe(error) -> tuple[str, object]:
    """One line for a jsonschema error: what was expected and what was found."""
    v, schema, inst = error.validator, error.schema, error.instance
    if "propertyNames" in error.schema_path and v == "enum":
        allowed = [str(a) for a in error.validator_value]
        return (f"unknown key {inst!r}{did_you_mean(inst, allowed)} "
                f"(valid keys: {', '.join(allowed)})"), None
    if v == "propertyNames" or "propertyNames" in error.schema_path:
        return (f"name {inst!r} may hold only letters, digits, '_' and '-' (it becomes a "
                "folder name)"), None
    if v == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        extra = [k for k in inst if k not in allowed]
        return (f"unknown key {extra[0]!r}{did_you_mean(extra[0], allowed)} "
                f"(valid keys: {', '.join(allowed)})"), extra[0]
    if v == "required":
        missing = [k for k in schema["required"] if k not in inst]
        return "required but missing", missing[0]
    if v == "pattern":
        return f"expected text matching {schema['pattern']}, got {inst!r}", None
    if v == "enum":
        return f"expected one of {', '.join(map(repr, schema['enum']))}, got {inst!r}", None
    if v == "type":
        want = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        names = {"integer": "an integer", "number": "a number", "string": "a string",
                 "array": "a list", "object": "a mapping", "boolean": "true or false",
                 "null": "null"}
        return f"expected {' or '.join(names.get(t, t) for t in want)}, got {inst!r}", None
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        op = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">",
              "exclusiveMaximum": "<"}[v]
        return f"expected a value {op} {schema[v]}, got {inst!r}", None
    if v == "oneOf" and "description" in schema:
        return f"expected {schema['description']}, got {inst!r}", None
    if v in ("minItems", "uniqueItems"):
        return f"{error.message}", None
    return error.message.splitlines()[0], None


def schema_error(config: dict, schema: dict) -> str | None:
    """'key.path: what is wrong' for the most relevant schema violation, or None."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    error = best_match(Draft202012Validator(schema).iter_errors(config))
    if error is None:
        return None
    text, key = _describe(error)
    parts = list(error.absolute_path) + ([key] if key is not None else [])
    return f"{key_path(parts)}: {text}"


def machine_memory_mb() -> int:
    """This machine's physical memory in MB."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (ValueError, OSError, AttributeError):  # not POSIX: no limit known
        return 2**31


def check_config(config: dict, schema: dict, source: str) -> None:
    """Check a merged config in place (whole floats become ints where counts are
    meant); raise ValueError with one line naming ``source``, the key path, the
    expectation and the value. Semantic checks (truths, sizes, names, memory)
    follow in :mod:`gmmem.study`."""
    found = _non_finite(config)
    if found:
        path, value = found
        raise ValueError(f"{source}: {key_path(path)}: expected a finite number, got {value!r} "
                         "(NaN and infinities are never valid)")
    coerce_whole_numbers(config, schema, schema)
    problem = schema_error(config, schema)
    if problem:
        raise ValueError(f"{source}: {problem}")
    fill_defaults(config, schema, schema)
