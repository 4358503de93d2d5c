"""Reading and checking a study config: one clear message per mistake, before any job.

The workflow's config.smk loads the study with :func:`load_study_config`:
every config file read with :func:`load_yaml` (a safe loader: a syntax error
names the file, line and column; duplicate keys, alias bombs and YTE templates
are refused), the files and ``--config`` merged, and the merged config
checked (:func:`check_config` here, then the design's checks in
:func:`gmm_recovery.design.check_all`). Every error is a ``ValueError`` whose
message is one line: where (file and key path), what was expected, what was
found, and for an unknown key the nearest valid one.
"""

from __future__ import annotations

import difflib
import math
import os
from pathlib import Path

# Folders under results/ that the workflow itself writes: no scenario may take them.
RESERVED_NAMES = ("logs", "timing", "benchmarks", "datasets")


# A study config is a few hundred values; YAML aliases can make a few hundred
# bytes stand for 10**9 of them (the "billion laughs"), which every later
# check would walk. Past this many values (aliases counted as expanded) a file
# is refused before anything is built from it.
MAX_YAML_VALUES = 100_000
# Top-level keys of Snakemake's YTE templating: a config that has them asks
# for Python code to be run while it is read.
YTE_KEYS = ("__use_yte__", "__definitions__", "__variables__")


def _study_loader():
    """A PyYAML SafeLoader class that refuses duplicate keys (naming both lines)
    and documents whose aliases expand to more than MAX_YAML_VALUES values."""
    import yaml

    class StudyLoader(yaml.SafeLoader):
        source = "config"

        def get_single_node(self):
            node = super().get_single_node()
            if node is not None:
                _count_values(node, self.source)
            return node

        def construct_mapping(self, node, deep=False):
            seen = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # '<<: *base' overrides are what merge keys are for
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                try:
                    first = seen.get(key)
                except TypeError:  # an unhashable key: PyYAML's own error follows
                    continue
                seen[key] = line
                if first is not None:
                    raise ValueError(f"{self.source}, line {line}: duplicate key {key!r}, first "
                                     f"at line {first}; YAML would silently keep only the "
                                     "last one (remove or rename one of them)")
            return super().construct_mapping(node, deep=deep)

    return StudyLoader


def _count_values(root, source: str) -> int:
    """How many values the YAML node graph stands for with every alias
    expanded, computed once per node (so an anchor bomb costs its size in
    bytes, not in values); ValueError past MAX_YAML_VALUES or on a cycle."""
    import yaml

    sizes, open_ = {}, set()
    stack = [(root, False)]
    while stack:  # iterative: a deeply nested document must not exhaust the C stack
        node, done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        children = []
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        if done:
            open_.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[key] > MAX_YAML_VALUES:
                raise ValueError(f"{source}: the document stands for more than "
                                 f"{MAX_YAML_VALUES:,} values once its YAML aliases (*name) are "
                                 "expanded; a study config needs a few hundred (write the "
                                 "values out, or use fewer aliases)")
            continue
        if key in open_:
            raise ValueError(f"{source}, line {node.start_mark.line + 1}: a YAML alias refers "
                             "to the collection that contains it (a cycle)")
        open_.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def load_yaml(path, source: str | None = None) -> dict:
    """The mapping in a YAML (or JSON) file, read with a safe loader: no tags
    that build Python objects, no YTE templates, no duplicate keys, aliases
    bounded. Every problem is a one-line ValueError naming the file (as
    ``source``, default the path) and, where there is one, the line and column."""
    import yaml

    path = Path(path)
    source = source or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{source}: config file not found") from None
    except IsADirectoryError:
        raise ValueError(f"{source}: is a directory, not a config file") from None
    except UnicodeDecodeError as e:
        line = path.read_bytes()[:e.start].count(b"\n") + 1
        raise ValueError(f"{source}, line {line}: not UTF-8 text ({e.reason} at byte "
                         f"{e.start}); save the config as UTF-8") from None
    except OSError as e:
        raise ValueError(f"{source}: cannot be read ({e.strerror})") from None
    loader = _study_loader()(text)
    loader.source = source
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as e:
        data = _json_or_none(text, source)  # JSON that YAML 1.1 refuses (tab indentation)
        if data is None:
            mark = getattr(e, "problem_mark", None)
            where = f"{source}, line {mark.line + 1}, column {mark.column + 1}" if mark else source
            problem = " ".join(filter(None, [getattr(e, "context", None),
                                             getattr(e, "problem", None)])) or str(e)
            raise ValueError(f"{where}: YAML syntax error: {problem}") from None
    except RecursionError:
        raise ValueError(f"{source}: nested too deeply to be a study config") from None
    finally:
        loader.dispose()
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"{source}: the config must be a mapping of keys to values, "
                         f"got a {type(data).__name__}")
    check_no_templates(data, source)
    return data


def _json_or_none(text: str, source: str):
    """The value of a JSON text (duplicate keys refused, as in YAML), or None if it is not JSON."""
    import json

    def pairs(items):
        out = {}
        for k, v in items:
            if k in out:
                raise ValueError(f"{source}: duplicate key {k!r}; JSON would silently keep only "
                                 "the last one (remove or rename one of them)")
            out[k] = v
        return out

    try:
        return json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError:
        return None


def check_no_templates(data: dict, source: str) -> None:
    """Refuse Snakemake's YTE templating: with ``__use_yte__: true`` Snakemake
    evaluates ``?expression`` values as Python, so a config could run any code."""
    for key in YTE_KEYS:
        if key in data:
            raise ValueError(f"{source}: {key}: YTE templates are refused in a study config: "
                             "they evaluate Python code written in the config (write plain "
                             "values)")
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for k in node:
                if isinstance(k, str) and k.startswith("?"):
                    raise ValueError(f"{source}: key {k!r}: YTE expressions are refused in a "
                                     "study config (write plain values)")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


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
    from gmmem.settings import json_schema

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
        hint = ""
        if "string" in want and (isinstance(inst, (bool, int, float)) or inst is None):
            hint = f" (YAML reads {inst!r} so; quote it to mean text: \"{inst}\")"
        elif isinstance(inst, bool) and ("number" in want or "integer" in want):
            hint = " (a boolean is not a number)"
        return f"expected {' or '.join(names.get(t, t) for t in want)}, got {inst!r}{hint}", None
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        op = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">",
              "exclusiveMaximum": "<"}[v]
        return f"expected a value {op} {schema[v]}, got {inst!r}", None
    if v == "oneOf" and "description" in schema:
        return f"expected {schema['description']}, got {inst!r}", None
    if v in ("minItems", "uniqueItems"):
        return f"{error.message}", None
    return error.message.splitlines()[0], None


def schema_error(config: dict, schema: dict) -> tuple[list, str] | None:
    """(key path parts, what is wrong) for the most relevant schema violation, or None."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    error = best_match(Draft202012Validator(schema).iter_errors(config))
    if error is None:
        return None
    text, key = _describe(error)
    parts = list(error.absolute_path) + ([key] if key is not None else [])
    return parts, text


def machine_memory_mb() -> int:
    """This machine's physical memory in MB."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (ValueError, OSError, AttributeError):  # not POSIX: no limit known
        return 2**31


def command_line_entries(values, args) -> dict:
    """The ``snakemake --config`` entries: top-level key -> (parsed value, the
    text as typed, 'key=value'). ``values`` is Snakemake's parsed mapping,
    ``args`` its raw entries (a list of 'key=value' strings, or None)."""
    typed = {}
    for arg in args if isinstance(args, (list, tuple)) else []:
        key, _, _ = str(arg).partition("=")
        typed[key] = str(arg)
    return {k: (v, typed.get(k, f"{k}={v!r}")) for k, v in dict(values or {}).items()}


def _from_command_line(parts, command_line: dict) -> str | None:
    """'--config key=value' when the value at the key path was set on the command line."""
    if not parts or not command_line or parts[0] not in command_line:
        return None
    node, text = command_line[parts[0]]
    for p in parts[1:]:
        if isinstance(node, dict) and p in node:
            node = node[p]
        elif isinstance(node, list) and isinstance(p, int) and p < len(node):
            node = node[p]
        else:
            return None
    return f"--config {text}"


def check_config(config: dict, schema: dict, source: str, command_line: dict | None = None) -> None:
    """Check a merged config in place (whole floats become ints where counts are
    meant); raise ValueError with one line naming ``source`` (or the
    ``--config`` entry that set the value, from :func:`command_line_entries`),
    the key path, the expectation and the value. Semantic checks (truths,
    sizes, names, memory) follow in :mod:`gmm_recovery.design`."""
    found = _non_finite(config)
    if found:
        path, value = found
        where = _from_command_line(list(path), command_line) or source
        raise ValueError(f"{where}: {key_path(path)}: expected a finite number, got {value!r} "
                         "(NaN and infinities are never valid)")
    check_names_are_text(config, source)
    coerce_whole_numbers(config, schema, schema)
    problem = schema_error(config, schema)
    if problem:
        parts, text = problem
        where = _from_command_line(parts, command_line) or source
        raise ValueError(f"{where}: {key_path(parts)}: {text}")
    fill_defaults(config, schema, schema)
    check_results_folder(config, source)


def check_names_are_text(config: dict, source: str) -> None:
    """Scenario, dataset and method names are folder names: refuse the ones
    YAML read as numbers, booleans or null (``123``, ``yes``, ``~``) with the
    advice to quote them, rather than guess how they were written."""
    for kind in ("scenarios", "datasets", "methods"):
        block = config.get(kind)
        if not isinstance(block, dict):
            continue
        for name in block:
            if not isinstance(name, str):
                how = ("a boolean (YAML reads yes/no/on/off/true/false so)"
                       if isinstance(name, bool) else
                       "null" if name is None else "a number")
                raise ValueError(f"{source}: {kind}: the name {name!r} is read by YAML as {how}; "
                                 f"quote it (\"{name}\") to use it as a name")


def check_results_folder(config: dict, source: str) -> None:
    """``results`` must stay inside the working directory: no '..' component,
    not the working directory itself, and absolute only with
    ``allow_absolute_results: true`` (and never the file-system root)."""
    import posixpath

    results = config["results"]
    parts = [p for p in results.split("/") if p not in ("", ".")]
    if ".." in results.split("/"):
        raise ValueError(f"{source}: results: {results!r} has a '..' component; results must "
                         "stay inside the working directory (or be an absolute path with "
                         "allow_absolute_results: true)")
    if posixpath.isabs(results):
        if not parts:
            raise ValueError(f"{source}: results: {results!r} is the file-system root; name "
                             "a folder")
        if not config.get("allow_absolute_results", False):
            raise ValueError(f"{source}: results: {results!r} is an absolute path, outside the "
                             "working directory; set allow_absolute_results: true to write "
                             "there, or give a folder inside the working directory")
    elif not parts:
        raise ValueError(f"{source}: results: {results!r} is the working directory itself; "
                         "name a folder under it (default: results)")


def load_study_config(config_files, command_line: dict, schema: dict,
                      memory_mb: int | None = None) -> tuple[dict, list, dict, dict]:
    """The study config the workflow runs, as config.smk loads it: each of
    ``config_files`` read with :func:`load_yaml` and merged in order
    (``config.yaml`` in the working directory when none is given), the
    ``--config`` entries (from :func:`command_line_entries`) merged on top, as
    Snakemake merges configs, then every check
    (:func:`gmm_recovery.design.check_all`). Returns (config, grid rows,
    scenarios, datasets). A mistake is a ValueError of one line naming its
    source: the line config.smk prints after ``Invalid config:``."""
    from snakemake.utils import update_config

    from .design import check_all

    files = [str(f) for f in config_files] or ["config.yaml"]
    if not config_files and not Path("config.yaml").exists():
        raise ValueError("config.yaml: not found in the working directory (write one, or pass "
                         "--configfile FILE)")
    source = ", ".join(files) + (" and --config" if command_line else "")
    config = {}
    for path in files:
        update_config(config, load_yaml(path))
    update_config(config, {key: value for key, (value, _) in command_line.items()})
    try:
        rows, scenarios, datasets = check_all(config, schema, source, command_line, memory_mb)
    except ValueError as e:
        message = str(e)
        if message.startswith((source, "--config ")):
            raise
        raise ValueError(f"{source}: {message}") from None
    return config, rows, scenarios, datasets
