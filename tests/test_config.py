"""gmm_recovery.config: reading a config file (the safe YAML loader: duplicate
keys, aliases, YTE, tags, encodings), config values as users type them, the
whole load as config.smk runs it, and how Snakemake's own reading of config
files meets it."""

import re
import textwrap

import pytest

from config_helpers import config_refusal, write_config_dir
from gmm_recovery.config import MAX_YAML_VALUES, check_config, load_yaml, study_schema
from workflow_helpers import REPO, make_workdir, snakemake

SCHEMA = study_schema(REPO / "workflow/schemas/config.schema.yaml")
BASE = {"sample_sizes": [50], "replicates": 3,
        "scenarios": {"a": {"weights": [0.5, 0.5], "means": [0, 3], "sds": [1, 1]}}}


def _load(tmp_path, text, name="config.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return load_yaml(path, name)


def _refusal(tmp_path, text) -> str:
    with pytest.raises(ValueError) as e:
        _load(tmp_path, text)
    message = str(e.value)
    assert "\n" not in message, message
    return message


# --- duplicate keys -----------------------------------------------------------

def test_a_repeated_top_level_key_is_refused_naming_both_lines(tmp_path):
    message = _refusal(tmp_path, "seed: 7\nreplicates: 3\nseed: 8\n")
    assert message.startswith("config.yaml, line 3: duplicate key 'seed', first at line 1;"), message


def test_a_repeated_scenario_block_is_refused_naming_both_lines(tmp_path):
    message = _refusal(tmp_path, """\
        scenarios:
          s1:
            weights: [1.0]
          s2:
            weights: [1.0]
          s1:
            weights: [0.5, 0.5]
        """)
    assert message.startswith("config.yaml, line 6: duplicate key 's1', first at line 2;"), message


def test_a_repeated_key_in_a_flow_mapping_is_refused(tmp_path):
    assert "duplicate key 'tol', first at line 1" in _refusal(tmp_path, "fit: {tol: 1, tol: 2}\n")


def test_merge_keys_may_override_what_they_merge(tmp_path):
    data = _load(tmp_path, """\
        base: &base {n_restarts: 4, tol: 1.0e-8}
        fit:
          <<: *base
          n_restarts: 1
        """)
    assert data["fit"] == {"n_restarts": 1, "tol": 1.0e-8}


def test_json_configs_load_and_refuse_duplicates_too(tmp_path):
    # Tab indentation is JSON but not YAML 1.1: Snakemake reads such files, so do we.
    data = _load(tmp_path, '{\n\t"seed": 3,\n\t"fit": {"tol": 1e-8}\n}\n', "c.json")
    assert data == {"seed": 3, "fit": {"tol": 1e-8}}
    with pytest.raises(ValueError, match=r"^c.json: duplicate key 'seed'; JSON would"):
        _load(tmp_path, '{\n\t"seed": 3,\n\t"seed": 4\n}\n', "c.json")
    assert "duplicate key 'seed', first at line 1" in _refusal(tmp_path, '{"seed": 3, "seed": 4}')


# --- aliases ------------------------------------------------------------------

def _anchor_bomb(levels=9, width=10) -> str:
    """The "billion laughs": level i is a list of width aliases of level i - 1."""
    names = "abcdefghijklmnop"
    lines = [f"{names[0]}: &{names[0]} [" + ",".join(["x"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"{names[i]}: &{names[i]} [" + ",".join([f"*{names[i - 1]}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_an_anchor_bomb_is_refused_before_it_is_expanded(tmp_path):
    bomb = _anchor_bomb()  # 10**9 leaves in about 400 bytes
    assert len(bomb) < 400
    message = _refusal(tmp_path, bomb)
    assert message.startswith(f"config.yaml: the document stands for more than "
                              f"{MAX_YAML_VALUES:,} values once its YAML aliases"), message


def test_a_mapping_anchor_bomb_is_refused(tmp_path):
    lines = ["m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8}"]
    for i in range(1, 8):
        keys = ", ".join(f"k{j}: *m{i - 1}" for j in range(8))
        lines.append(f"m{i}: &m{i} {{{keys}}}")
    assert "values once its YAML aliases" in _refusal(tmp_path, "\n".join(lines) + "\n")


def test_aliases_below_the_bound_load_as_written(tmp_path):
    data = _load(tmp_path, _anchor_bomb(levels=3, width=10))  # 10**3 leaves
    assert len(data["c"]) == 10 and data["c"][9][9] == ["x"] * 10


def test_an_alias_cycle_is_refused(tmp_path):
    assert "refers to the collection that contains it" in _refusal(tmp_path, "a: &a [1, *a]\n")


# --- code in a config ---------------------------------------------------------

@pytest.mark.parametrize("text,key", [
    ("__use_yte__: true\nseed: ?__import__('os').system('true')\n", "__use_yte__"),
    ("__definitions__:\n  - import os\nseed: 1\n", "__definitions__"),
    ("scenarios:\n  ?if True:\n    a: {}\n", "?if True"),
])
def test_yte_templates_are_refused(tmp_path, text, key):
    assert key in _refusal(tmp_path, text)


def test_python_tags_are_refused_with_line_and_column(tmp_path):
    message = _refusal(tmp_path, "seed: 1\nx: !!python/object/apply:os.system ['true']\n")
    assert message.startswith("config.yaml, line 2, column 4: YAML syntax error: could not "
                              "determine a constructor"), message


# --- files that are not config files --------------------------------------------------

def test_unreadable_files_are_named(tmp_path):
    (tmp_path / "latin1.yaml").write_bytes("seed: 1\n# café\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"^latin1.yaml, line 2: not UTF-8 text"):
        load_yaml(tmp_path / "latin1.yaml", "latin1.yaml")
    with pytest.raises(ValueError, match=r"^gone.yaml: config file not found$"):
        load_yaml(tmp_path / "gone.yaml", "gone.yaml")
    with pytest.raises(ValueError, match=r"is a directory, not a config file$"):
        load_yaml(tmp_path)
    with pytest.raises(ValueError, match=r"nested too deeply"):
        _load(tmp_path, "x: " + "[" * 3000 + "]" * 3000 + "\n")
    with pytest.raises(ValueError, match=r"must be a mapping of keys to values, got a list"):
        _load(tmp_path, "[1, 2]\n")


# --- config values as users type them --------------------------------------------

def test_command_line_strings_become_the_numbers_they_spell():
    # snakemake --config sample_sizes=[60,200] replicates=4 'fit={accel: null}'
    config = {"sample_sizes": ["60", "200"], "replicates": 4, "level": "0.9",
              "fit": {"accel": "null", "tol": "1e-8", "n_restarts": "3"},
              "scenarios": {"a": {"weights": ["0.5", "0.5"], "means": ["0", "3"],
                                  "sds": ["1", "1"], "oracle_start": "true"}},
              "datasets": {"d": {"path": "x.csv", "columns": ["1990"], "n_components": "2"}}}
    check_config(config, SCHEMA, "--config")
    assert config["sample_sizes"] == [60, 200] and config["level"] == 0.9
    assert config["fit"] == {"accel": None, "tol": 1e-8, "n_restarts": 3}
    assert config["scenarios"]["a"]["means"] == [0, 3]
    assert config["scenarios"]["a"]["oracle_start"] is True
    assert config["datasets"]["d"]["columns"] == ["1990"]  # text where text is meant
    assert config["results"] == "results" and config["job_seconds"] == 120
    assert "chunk_size" not in config  # no default: the plan sizes the jobs


def test_a_non_number_string_is_still_named():
    config = {"sample_sizes": ["60", "lots"], "replicates": 4, "scenarios": {}}
    with pytest.raises(ValueError, match=re.escape("sample_sizes[1]: expected an integer, "
                                                   "got 'lots'")):
        check_config(config, SCHEMA, "--config")



def test_the_readme_states_the_schemas_defaults():
    # The study settings' defaults are the schema's (max_jobs': the design's
    # MAX_JOBS); the README's config table and the schema's descriptions repeat
    # them for readers, and must not drift.
    from gmm_recovery.design import MAX_JOBS

    readme = (REPO / "README.md").read_text()
    rows = dict(re.findall(r"^\| `(\w+)` \| [^|]* \| ([^|]*) \|$", readme, re.M))
    props = SCHEMA["properties"]
    checked = [key for key, spec in props.items()
               if type(spec.get("default")) in (int, float, str) and key in rows]
    assert {"seed", "level", "results"} <= set(checked), checked
    for key in checked:
        assert rows[key].strip() == str(props[key]["default"]), (key, rows[key])
    assert rows["max_jobs"].strip() == str(MAX_JOBS)
    assert f"default {MAX_JOBS}" in props["max_jobs"]["description"]


# --- the whole load, as config.smk runs it: one line naming the source ---------------

def test_a_refusal_names_the_command_line_entry_or_the_file(tmp_path):
    work = write_config_dir(tmp_path, BASE)
    line = config_refusal(work, "--cores", "1", "--config", "replicates=1", "seed=3")
    assert line == ("Invalid config: --config replicates=1: replicates: expected a value >= 2, "
                    "got 1"), line
    line = config_refusal(work, "--cores", "1", "--config", "seed=3", "fit={n_restarts: 0}")
    assert line == ("Invalid config: --config fit={n_restarts: 0}: fit.n_restarts: expected a "
                    "value >= 1, got 0"), line
    # A bad value from the file is still the file's, the command line named as a source too.
    (work / "config.yaml").write_text((work / "config.yaml").read_text() + "chunk_size: 0\n")
    line = config_refusal(work, "--cores", "1", "--config", "seed=3")
    assert line == ("Invalid config: config.yaml and --config: chunk_size: expected a value "
                    ">= 1, got 0"), line
    (work / "config.yaml").unlink()
    line = config_refusal(work, "--cores", "1")
    assert line == ("Invalid config: config.yaml: not found in the working directory (write "
                    "one, or pass --configfile FILE)"), line
    (work / "config.yaml").write_text("seed: 1\nseed: 2\nsample_sizes: [50]\n")
    line = config_refusal(work, "--cores", "1")
    assert line == ("Invalid config: config.yaml, line 2: duplicate key 'seed', first at line 1; "
                    "YAML would silently keep only the last one (remove or rename one of them)")


def test_a_yte_configfile_is_refused_by_the_safe_loader(tmp_path):
    # Snakemake has read (and evaluated) a --configfile already: see the xfail test
    # below; config.smk reads it again with the safe loader and refuses it.
    work = write_config_dir(tmp_path, BASE)
    (work / "study.yaml").write_text(f"__use_yte__: true\n{(work / 'config.yaml').read_text()}")
    line = config_refusal(work, "--cores", "1", "--configfile", "study.yaml")
    assert line.startswith("Invalid config: study.yaml: __use_yte__: YTE templates are refused"), line


# --- through Snakemake: one line, exit code 1, nothing run ------------------------------

def _one_line_refusal(proc, work) -> str:
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert not proc.stdout.strip(), proc.stdout
    assert not (work / "results").exists(), "a job ran"
    return lines[0]


@pytest.mark.workflow
def test_a_refusal_is_one_line_naming_the_command_line(tmp_path):
    work = make_workdir(tmp_path, BASE)
    line = _one_line_refusal(snakemake(work, "--cores", "1", "--config", "replicates=abc",
                                       check=False), work)
    assert line == ("Invalid config: --config replicates=abc: replicates: expected an integer, "
                    "got 'abc'"), line


@pytest.mark.workflow
def test_a_yte_config_yaml_runs_no_code(tmp_path):
    marker = tmp_path / "ran"
    work = make_workdir(tmp_path / "w", BASE)
    text = (work / "config.yaml").read_text()
    (work / "config.yaml").write_text(
        f"__use_yte__: true\n{text}level: ?__import__('pathlib').Path({str(marker)!r}).touch()\n")
    line = _one_line_refusal(snakemake(work, "--cores", "1", check=False), work)
    assert line.startswith("Invalid config: config.yaml: __use_yte__: YTE templates are refused"), line
    assert not marker.exists(), "the config's code ran"


# What Snakemake does with a --configfile happens while it parses its arguments,
# before this workflow's code runs (snakemake 9: ConfigSettings.__post_init__ ->
# snakemake.common.configfile.load_configfile -> yte.process_yaml). These record
# the three consequences; strict, so that a Snakemake that changes them is noticed.

@pytest.mark.workflow
@pytest.mark.xfail(strict=True, reason="Snakemake evaluates a --configfile's YTE template "
                   "before the Snakefile is read")
def test_a_yte_configfile_runs_no_code(tmp_path):
    marker = tmp_path / "ran"
    work = make_workdir(tmp_path / "w", BASE)
    (work / "study.yaml").write_text(
        f"__use_yte__: true\n{(work / 'config.yaml').read_text()}"
        f"level: ?__import__('pathlib').Path({str(marker)!r}).touch()\n")
    snakemake(work, "--cores", "1", "--configfile", "study.yaml", check=False)
    assert not marker.exists()


@pytest.mark.workflow
@pytest.mark.xfail(strict=True, reason="Snakemake's own loader reports a missing --configfile "
                   "with a traceback, before the Snakefile is read")
def test_a_missing_configfile_is_one_line(tmp_path):
    work = make_workdir(tmp_path, BASE)
    proc = snakemake(work, "--cores", "1", "--configfile", "gone.yaml", check=False)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


@pytest.mark.workflow
@pytest.mark.xfail(strict=True, reason="Snakemake's own loader drops the line and column of a "
                   "YAML error in a --configfile, before the Snakefile is read")
def test_a_yaml_error_in_a_configfile_keeps_its_line(tmp_path):
    work = make_workdir(tmp_path, BASE)
    (work / "study.yaml").write_text("seed: 1\nsample_sizes: [60, 100\nreplicates: 3\n")
    proc = snakemake(work, "--cores", "1", "--configfile", "study.yaml", check=False)
    assert proc.returncode != 0
    assert re.search(r"study.yaml, line 3, column 11", proc.stderr), proc.stderr
