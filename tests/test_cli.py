"""The gmmem command line and model choice."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from gmmem import Mixture, fit, select_k
from gmm_recovery.cli import main

from conftest import paper_data


@pytest.fixture()
def heights_csv(tmp_path):
    path = tmp_path / "height_data.csv"
    path.write_text("height\n" + "".join(f"{h:.3f}\n" for h in paper_data()))
    return path


def test_fit_prints_estimates_with_ses_and_convergence(heights_csv, capsys):
    start = "{weights: [0.5, 0.5], means: [170, 180], sds: [5, 5]}"
    png = heights_csv.parent / "fit.png"
    assert main(["fit", str(heights_csv), "--column", "height", "-k", "2", "--start", start,
                 "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "n = 2000, K = 2" in out
    assert "95% CI" in out and "mean[1]" in out and "sd[2]" in out
    assert "log-likelihood" in out and "converged after" in out
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_fit_json_is_machine_readable(heights_csv, capsys):
    assert main(["fit", str(heights_csv), "-c", "height", "-k", "2", "--restarts", "3",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["k"] == 2 and out["converged"] and out["n"] == 2000
    comp = out["components"]
    assert abs(comp[0]["mean"] - 164) < 1 and comp[0]["se_mean"] > 0
    assert comp[0]["lo_mean"] < comp[0]["mean"] < comp[0]["hi_mean"]


def test_bootstrap_intervals_are_printed_beside_wald_and_said_so(heights_csv, capsys):
    args = ["fit", str(heights_csv), "-c", "height", "-k", "2", "--restarts", "2",
            "--intervals", "wald,bootstrap", "--n-boot", "30", "--bootstrap", "nonparametric"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "intervals: Wald, from the observed information; nonparametric bootstrap, B = 30" in out
    assert "percentile 95% CI" in out and "BCa 95% CI" in out and "boot SE" in out
    assert main(args + ["--json"]) == 0
    js = json.loads(capsys.readouterr().out)
    assert js["bootstrap"]["kind"] == "nonparametric" and js["bootstrap"]["n_boot"] == 30
    c = js["components"][0]
    assert c["lo_pct_mean"] < c["mean"] < c["hi_pct_mean"] and c["se_boot_mean"] > 0
    # Without it, the table says it shows Wald intervals only.
    assert main(args[:6]) == 0
    assert "intervals: Wald, from the observed information\n" in capsys.readouterr().out


def test_select_prints_the_bic_table_and_chooses_two(heights_csv, capsys):
    assert main(["select", str(heights_csv), "-c", "height", "-k", "1-4", "--restarts", "3"]) == 0
    out = capsys.readouterr().out
    assert "<- chosen by BIC" in out
    chosen = [line for line in out.splitlines() if "chosen" in line][0]
    assert chosen.split()[0] == "2"


def test_python_m_gmm_recovery_and_help():
    proc = subprocess.run([sys.executable, "-m", "gmm_recovery", "fit", "--help"], capture_output=True,
                          text=True)
    assert proc.returncode == 0
    for option in ("--column", "-k", "--start", "--restarts", "--plot", "--json", "--seed",
                   "--covariance", "--drop-missing"):
        assert option in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "gmm_recovery", "select", "--help"], capture_output=True,
                          text=True)
    assert "--criterion" in proc.stdout and "1-5" in proc.stdout


@pytest.mark.parametrize("content, args, message", [
    (None, ["-c", "height", "-k", "2"], "file not found"),
    ("height\n1\n2\n3\n", ["-c", "weight", "-k", "2"], "column 'weight' not found"),
    ("height\n1\nabc\n3\n4\n", ["-c", "height", "-k", "2"],
     "column 'height' has 1 non-numeric cell(s), at line(s) 3 (first: 'abc')"),
    ("height\n1\n\n3\n4\n", ["-c", "height", "-k", "2"],
     "column 'height' has 1 empty or NaN cell(s) at line(s) 3; set drop_missing"),
    ("height\n1\n2\n", ["-c", "height", "-k", "3"], "fewer than n_components = 3"),
    ("height\n5\n5\n5\n5\n", ["-c", "height", "-k", "2"], "column 'height' is constant"),
    ("height\n1\ninf\n3\n4\n", ["-c", "height", "-k", "2"],
     "column 'height' has infinite values at line(s) 3"),
    ("a,b\n1,2\n3,\n5,6\n7,8\n", ["-c", "a", "-c", "b", "-k", "2"],
     "column 'b' has 1 empty or NaN cell(s) at line(s) 3"),
    ("height\n1\n2\n3\n4\n", ["-c", "height", "-k", "2", "--start", "[1, 2"],
     "--start is not valid YAML"),
    ("height\n1\n2\n3\n4\n", ["-c", "height", "-k", "2", "--start",
                              "{weights: [0.5, 0.6], means: [1, 2], sds: [1, 1]}"],
     "--start: weights must sum to 1"),
])
def test_bad_input_one_line_error(tmp_path, capsys, content, args, message):
    path = tmp_path / "data.csv"
    if content is not None:
        path.write_text(content)
    assert main(["fit", str(path), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("gmmem: error: ") and "\n" not in err
    assert message in err
    assert str(path) in err or "--start" in err


def test_bad_k_range_is_an_argument_error(heights_csv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["select", str(heights_csv), "-c", "height", "-k", "5-x"])
    assert exc.value.code == 2
    assert "-k takes an integer, a range like 1-5" in capsys.readouterr().err


def test_drop_missing_reports_the_dropped_lines(tmp_path, capsys):
    path = tmp_path / "d.tsv"
    rng = np.random.default_rng(0)
    vals = [f"{v:.4f}" for v in np.concatenate([rng.normal(0, 1, 50), rng.normal(5, 1, 50)])]
    vals[3] = "NA"
    path.write_text("x\n" + "\n".join(vals) + "\n")
    assert main(["fit", str(path), "-c", "x", "-k", "2", "--drop-missing"]) == 0
    assert "dropped 1 row(s) with missing values (file line(s) 5)" in capsys.readouterr().out


def test_two_dimensional_file_and_ellipse_figure(tmp_path, capsys):
    truth = Mixture([0.5, 0.5], [[0, 0], [4, 4]], [[[1, 0.5], [0.5, 1]], [[1, 0], [0, 2]]])
    x, _ = truth.sample(600, np.random.default_rng(1))
    path = tmp_path / "xy.csv"
    path.write_text("a,b\n" + "".join(f"{u},{v}\n" for u, v in x))
    png = tmp_path / "xy.png"
    assert main(["fit", str(path), "-c", "a", "-c", "b", "-k", "2", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "mean_2[2]" in out and "cov_1_2[1]" in out
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_shipped_height_data_regenerates_byte_for_byte(tmp_path):
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    out = tmp_path / "h.csv"
    subprocess.run([sys.executable, str(repo / "workflow/scripts/make_height_data.py"), str(out)],
                   check=True)
    assert out.read_bytes() == (repo / "data/height_data.csv").read_bytes()
    heights = np.loadtxt(out, skiprows=1)
    assert heights.shape == (2000,)
    assert abs(heights[:500].mean() - 164) < 0.5 and abs(heights[500:].mean() - 176) < 0.5


def _gmmem(*args, stdin=None, shell=None):
    if shell is not None:
        return subprocess.run(shell, shell=True, capture_output=True, text=True,
                              executable="/bin/bash")
    return subprocess.run([sys.executable, "-m", "gmm_recovery", *args], input=stdin,
                          capture_output=True, text=True)


@pytest.mark.parametrize("args, message", [
    (["fit", "x.csv", "-c", "a", "-k", "0"], "gmmem fit: error: argument -k: expected an integer >= 1, got '0'"),
    (["fit", "x.csv", "-c", "a", "-k", "2", "--restarts", "0"],
     "gmmem fit: error: argument --restarts: expected an integer >= 1, got '0'"),
    (["fit", "x.csv", "-c", "a", "-k", "2", "--tol", "nan"],
     "argument --tol: expected a number in (0, 1), got 'nan'"),
    (["fit", "x.csv", "-k", "2"], "the following arguments are required: --column/-c"),
    (["select", "x.csv", "-c", "a", "-k", "3-1"],
     "gmmem select: error: argument -k: the range '3-1' is reversed; did you mean 1-3?"),
    (["fit", "x.csv", "-c", "a", "-k", "2", "--sep", "|"], "argument --sep: expected ',', ';' or 'tab'"),
    (["fit", "x.csv", "-c", "a", "-k", "2", "--accel", "fast"],
     "argument --accel: expected one of squarem, none, got 'fast'"),
    (["fit", "x.csv", "-c", "a", "-k", "2", "--intervals", "wald,boot"],
     "argument --intervals: expected a comma-separated list of wald, sandwich, bootstrap, got 'wald,boot'"),
    (["fit", "x.csv", "-c", "a", "-k", "2", "--n-boot", "5"],
     "argument --n-boot: expected an integer >= 10, got '5'"),
])
def test_argument_errors_are_one_line_naming_the_flag(args, message):
    proc = _gmmem(*args)
    assert proc.returncode == 2
    err = proc.stderr.strip()
    assert "\n" not in err and "usage:" not in err, err
    assert message in err and "see 'gmmem " in err, err


def test_library_errors_name_flags_not_arguments():
    from gmm_recovery.cli import _flag_names

    assert _flag_names("n_restarts must be an integer >= 1, got 0") == \
        "--restarts must be an integer >= 1, got 0"
    assert _flag_names("max_iter must be") == "--max-iter must be"


def test_version_and_new_options_in_help():
    proc = _gmmem("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("gmmem 0.")
    out = _gmmem("fit", "--help").stdout
    for option in ("--stopping", "--var-floor", "--sep", "--decimal", "--estimator", "--prefer",
                   "'-' reads standard input"):
        assert option in out, option


def test_output_into_a_closed_pipe_exits_quietly(heights_csv):
    proc = _gmmem(shell=f"{sys.executable} -m gmm_recovery fit {heights_csv} -c height -k 2 "
                        "--restarts 2 | head -1")
    assert proc.stdout.startswith(str(heights_csv)) and proc.stdout.count("\n") == 1
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr


def test_standard_input_separator_detection_and_trimmed_header(heights_csv):
    text = " height ;other\n" + "".join(f"{h};1\n" for h in heights_csv.read_text().split()[1:])
    proc = _gmmem("fit", "-", "-c", "height", "-k", "2", "--restarts", "2", "--json", stdin=text)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["n"] == 2000 and abs(out["components"][0]["mean"] - 164) < 1
    tab = _gmmem("fit", "-", "-c", "height", "-k", "2", "--restarts", "2", "--json", "--sep", "tab",
                 stdin=text.replace(";", "\t"))
    assert json.loads(tab.stdout)["loglik"] == out["loglik"]


def test_decimal_commas_are_refused_with_a_hint_or_parsed_when_asked(tmp_path, capsys):
    rng = np.random.default_rng(3)
    vals = np.round(np.concatenate([rng.normal(164, 3, 100), rng.normal(176, 5, 300)]), 2)
    path = tmp_path / "comma.csv"
    path.write_text("height\n" + "".join(f"{v:.2f}".replace(".", ",") + "\n" for v in vals))
    assert main(["fit", str(path), "-c", "height", "-k", "2"]) == 2
    err = capsys.readouterr().err
    assert "line 2 has 2 fields but the header has 1" in err and "decimal commas" in err
    assert main(["fit", str(path), "-c", "height", "-k", "2", "--decimal", ",", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    ref = select_k(vals, [2], seed=0).fits[2]
    assert out["n"] == 400 and out["loglik"] == pytest.approx(ref.loglik, rel=1e-6)


@pytest.mark.parametrize("content, message", [
    ("height,\n" + "".join(f"{160 + i % 9}.5,\n" for i in range(20)),
     "every row ends with a trailing comma (an empty last field)"),
    ("height\n" + "".join(f"{160 + i % 9}.5,\n" for i in range(20)),
     "every row ends with a trailing comma"),
    ("height\n1\n2\n1e300\n4\n", "column 'height' has a value of magnitude >= 1e+150 at line 4 "
                                 "(1e+300)"),
    ("height\n" + "".join(f"{i + 1}e-300\n" for i in range(10)),
     "column 'height' has SD 2.87e-300, below 1e-140"),
])
def test_malformed_or_unrepresentable_data_files(tmp_path, capsys, content, message):
    path = tmp_path / "d.csv"
    path.write_text(content)
    assert main(["fit", str(path), "-c", "height", "-k", "2"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("gmmem: error: ") and "\n" not in err and message in err, err


def test_collinear_columns_fit_with_a_reason_for_missing_ses(tmp_path, capsys):
    rng = np.random.default_rng(0)
    a = np.concatenate([rng.normal(0, 1, 100), rng.normal(5, 1, 100)])
    path = tmp_path / "col.csv"
    path.write_text("a,b\n" + "".join(f"{u},{2 * u + 1}\n" for u in a))
    assert main(["fit", str(path), "-c", "a", "-c", "b", "-k", "2"]) == 0
    out = capsys.readouterr().out
    assert "standard errors unavailable: information not computable: a component's covariance " \
        "is nearly singular" in out


def test_spurious_fit_prints_a_warning_and_what_to_try(tmp_path, capsys):
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.normal(0, 1, 600), rng.normal(1, 1, 400)])
    path = tmp_path / "x.csv"
    path.write_text("x\n" + "".join(f"{float(v)!r}\n" for v in x))
    spike = "{weights: [0.0187, 0.9813], means: [-1.053, 0.4296], sds: [0.0916, 1.119]}"
    assert main(["fit", str(path), "-c", "x", "-k", "2", "--start", spike]) == 0
    out = capsys.readouterr().out
    assert "WARNING: spurious maximum: component 1 holds" in out
    # one start: no other regular maximum to prefer, so that remedy is not offered
    assert "Try --estimator pmle (or map) or more --restarts." in out
    assert main(["fit", str(path), "-c", "x", "-k", "2", "--start", spike, "--estimator", "pmle",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["estimator"] == "pmle" and out["spurious"] is False


def test_fit_settings_reach_the_fit(tmp_path, capsys):
    # --var-floor and --stopping are passed on, not only listed in --help.
    rng = np.random.default_rng(4)
    x = np.concatenate([rng.normal(0, 1, 300), np.full(5, 2.5)])
    path = tmp_path / "x.csv"
    path.write_text("x\n" + "".join(f"{float(v)!r}\n" for v in x))
    spike = "{weights: [0.49, 0.49, 0.02], means: [-0.5, 0.5, 2.5], sds: [1, 1, 0.001]}"
    assert main(["fit", str(path), "-c", "x", "-k", "3", "--start", spike, "--var-floor", "0.01",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert min(c["sd"] for c in out["components"]) >= np.sqrt(0.01) * x.std() * (1 - 1e-9)
    assert out["degenerate"]
    runs = {}
    for rule in ("aitken", "relative", "absolute"):
        assert main(["fit", str(path), "-c", "x", "-k", "2", "--restarts", "1", "--stopping", rule,
                     "--tol", "1e-6", "--seed", "0", "--init", "kmeans++", "--json"]) == 0
        runs[rule] = json.loads(capsys.readouterr().out)["n_iter"]
        assert runs[rule] == fit(x, 2, n_restarts=1, seed=0, stopping=rule, tol=1e-6,
                                 init="kmeans++").n_iter
    assert len(set(runs.values())) == 3  # the three rules stop at different points here


@pytest.mark.parametrize("plot, message", [
    ("adir", "--plot 'adir' is a directory; give a file name such as 'adir/fit.png'"),
    ("", "--plot needs a file name such as fit.png, got ''"),
    ("fit", "--plot 'fit' has no file extension; give one of .png, .pdf, .svg"),
    ("fit.xyz", "--plot 'fit.xyz' has the extension .xyz, which matplotlib cannot write"),
    ("nodir/fit.png", "--plot 'nodir/fit.png': the directory 'nodir' does not exist"),
])
def test_bad_plot_paths_are_refused_before_the_fit(heights_csv, tmp_path, monkeypatch, capsys,
                                                   plot, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "adir").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["fit", str(heights_csv), "-c", "height", "-k", "2", "--plot", plot]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # refused before the fit
    err = captured.err.strip()
    assert err == f"gmmem: error: {message}" or (err.startswith(f"gmmem: error: {message}")
                                                  and "\n" not in err), err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_a_column_given_twice_is_refused(heights_csv, capsys):
    assert main(["fit", str(heights_csv), "-c", "height", "-c", "height", "-k", "2"]) == 2
    assert "--column 'height' is given twice" in capsys.readouterr().err


def test_duplicated_header_is_refused_by_the_cli(tmp_path, capsys):
    path = tmp_path / "vv.csv"
    path.write_text("v,v\n" + "".join(f"{i % 7},{i % 5}\n" for i in range(30)))
    assert main(["fit", str(path), "-c", "v", "-k", "2"]) == 2
    err = capsys.readouterr().err
    assert f"({path}): column 'v' appears 2 times in the header" in err


@pytest.mark.parametrize("args", [["fit", "{csv}", "-c", "height", "-k", "2", "--restarts", "1"],
                                  ["fit", "--help"], ["--version"]])
def test_output_onto_a_full_disk_is_one_line_and_fails(heights_csv, args):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    cmd = " ".join(a.replace("{csv}", str(heights_csv)) for a in args)
    proc = _gmmem(shell=f"{sys.executable} -m gmm_recovery {cmd} > /dev/full")
    assert proc.returncode == 1
    assert proc.stderr == "gmmem: cannot write the output: No space left on device\n", proc.stderr


def test_standard_input_in_latin1_or_utf16_names_the_problem_and_line(tmp_path):
    raw = "height\n1.5\n2.5\n3.5\nh\xf6he\n".encode("latin-1")
    proc = subprocess.run([sys.executable, "-m", "gmm_recovery", "fit", "-", "-c", "height", "-k", "2"],
                          input=raw, capture_output=True)
    err = proc.stderr.decode()
    assert proc.returncode == 2 and err.count("\n") == 1, err
    assert "<stdin>" in err and "line 5, byte 2 (0xf6) is not UTF-8 text" in err
    proc = subprocess.run([sys.executable, "-m", "gmm_recovery", "fit", "-", "-c", "height", "-k", "2"],
                          input="height\n1\n2\n".encode("utf-16"), capture_output=True)
    assert "is UTF-16 encoded" in proc.stderr.decode()


def test_dev_stdin_and_a_named_pipe_are_read_as_streams(heights_csv, tmp_path):
    piped = _gmmem(shell=f"cat {heights_csv} | {sys.executable} -m gmm_recovery fit /dev/stdin -c height "
                         "-k 2 --restarts 2 --json")
    assert piped.returncode == 0, piped.stderr
    assert json.loads(piped.stdout)["n"] == 2000
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    named = _gmmem(shell=f"(cat {heights_csv} > {fifo} &); {sys.executable} -m gmm_recovery fit {fifo} "
                         "-c height -k 2 --restarts 2 --json")
    assert named.returncode == 0, named.stderr
    assert json.loads(named.stdout)["loglik"] == json.loads(piped.stdout)["loglik"]
    for path, what in [(tmp_path, "is a directory"), ("/dev/zero", "is a character device")]:
        proc = _gmmem("fit", str(path), "-c", "height", "-k", "2")
        assert proc.returncode == 2 and what in proc.stderr and "file not found" not in proc.stderr


def test_table_prints_significant_digits_whatever_the_units(tmp_path, capsys):
    # At data x 1e-6 fixed decimals printed 'mean[1] -0.00000': every entry
    # must carry 7 significant digits of the estimate (checked against --json).
    heights = np.array(paper_data())
    for scale in (1e-6, 1.0, 1e6):
        path = tmp_path / f"h{scale:g}.csv"
        path.write_text("height\n" + "".join(f"{float(h * scale)!r}\n" for h in heights))
        args = ["fit", str(path), "-c", "height", "-k", "2", "--restarts", "2"]
        assert main(args) == 0
        rows = {line.split()[0]: float(line.split()[1])
                for line in capsys.readouterr().out.splitlines()
                if line.startswith(("weight[", "mean[", "sd["))}
        assert main(args + ["--json"]) == 0
        comps = json.loads(capsys.readouterr().out)["components"]
        assert len(rows) == 6
        for k, comp in enumerate(comps, start=1):
            for par in ("weight", "mean", "sd"):
                assert rows[f"{par}[{k}]"] == pytest.approx(comp[par], rel=1e-6), (scale, par)


def _tree(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_out_saves_everything_and_refit_repeats_the_printed_fit(heights_csv, tmp_path, capsys):
    import pandas as pd

    out = tmp_path / "run"
    args = ["fit", str(heights_csv), "-c", "height", "-k", "2", "--restarts", "3", "--seed", "7",
            "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["estimates.csv", "assignments.csv", "criteria.csv", "fit.png", "report.txt",
         "record.json"])
    assert (out / "report.txt").read_text() == printed
    record = json.loads((out / "record.json").read_text())
    assert record["data"]["columns"] == ["height"] and record["seed"] == 7
    assert record["settings"]["n_restarts"] == 3 and record["versions"]["numpy"] == np.__version__
    asg = pd.read_csv(out / "assignments.csv")
    assert list(asg.columns) == ["line", "tau_1", "tau_2", "component"] and len(asg) == 2000
    assert asg["line"].iloc[0] == 2 and np.allclose(asg[["tau_1", "tau_2"]].sum(axis=1), 1)
    # The refit from the record prints the same table, and its JSON the saved estimates.
    assert main(["refit", str(out / "record.json")]) == 0
    assert capsys.readouterr().out == printed
    assert main(["refit", str(out / "record.json"), "--json"]) == 0
    refit = json.loads(capsys.readouterr().out)
    est = pd.read_csv(out / "estimates.csv")
    assert [c["mean"] for c in refit["components"]] == list(est["mean"])
    assert refit["loglik"] == record["result"]["loglik"]
    # A second --out into the same folder replaces it whole.
    assert main(args) == 0
    capsys.readouterr()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".run")]


def test_select_out_has_the_bic_table_and_both_figures(heights_csv, tmp_path, capsys):
    import pandas as pd

    out = tmp_path / "sel"
    png = tmp_path / "sel.png"
    assert main(["select", str(heights_csv), "-c", "height", "-k", "1-3", "--restarts", "2",
                 "--out", str(out), "--plot", str(png)]) == 0
    printed = capsys.readouterr().out
    crit = pd.read_csv(out / "criteria.csv")
    assert list(crit["k"]) == [1, 2, 3] and crit["chosen"].sum() == 1
    for name in ("fit.png", "bic.png"):
        assert (out / name).read_bytes()[:4] == b"\x89PNG"
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert main(["refit", str(out / "record.json")]) == 0
    assert capsys.readouterr().out == printed


def test_refit_refuses_changed_data_and_non_records(heights_csv, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["fit", str(heights_csv), "-c", "height", "-k", "2", "--restarts", "1",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    heights_csv.write_text(heights_csv.read_text().replace("\n1", "\n2", 1))
    assert main(["refit", str(out / "record.json")]) == 2
    err = capsys.readouterr().err
    assert "differ from those the record was made from: SHA-256" in err and err.count("\n") == 1
    (tmp_path / "x.json").write_text("{}")
    assert main(["refit", str(tmp_path / "x.json")]) == 2
    assert "not a record.json written by gmmem --out" in capsys.readouterr().err


def test_out_is_refused_before_work_and_nothing_is_half_written(heights_csv, tmp_path, capsys,
                                                                monkeypatch):
    import gmm_recovery.fit_records as fr

    (tmp_path / "afile").write_text("x")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    base = ["fit", str(heights_csv), "-c", "height", "-k", "2", "--restarts", "1"]
    for out, message in [(tmp_path / "afile", "exists and is not a folder"),
                         (tmp_path / "mine", "is a folder that holds other files ('notes.txt')"),
                         (tmp_path / "no" / "run", "does not exist")]:
        assert main(base + ["--out", str(out)]) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and message in captured.err and captured.err.count("\n") == 1
    before = _tree(tmp_path)

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fr, "record_of", broken)
    assert main(base + ["--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    # One line naming the option and the folder asked for, not a temporary path.
    assert "No space left on device" in err and f"--out {str(tmp_path / 'run')!r}" in err
    assert err.count("\n") == 1
    assert _tree(tmp_path) == before  # neither run/ nor a temporary folder is left


def test_fit_with_a_range_of_k_points_to_select():
    proc = _gmmem("fit", "x.csv", "-c", "a", "-k", "1-6")
    assert proc.returncode == 2
    assert "to choose K, use `gmmem select -k 1-6`" in proc.stderr and "\n" not in \
        proc.stderr.strip()


def test_notes_on_few_starts_at_the_best_and_close_criteria():
    from types import SimpleNamespace

    from gmm_recovery.cli import _more_restarts, _notes

    assert _more_restarts(1, 10) == 50 and _more_restarts(2, 10) == 30
    assert _more_restarts(2, 4) == 10 and _more_restarts(1, 2) == 10

    def fit_of(k, n_best, starts=10):
        return SimpleNamespace(mixture=SimpleNamespace(n_components=k), n_best=n_best,
                               restarts=(None,) * starts)

    lone = SimpleNamespace(result=fit_of(3, 1), selection=None)
    (note,) = _notes(None, lone)
    assert note.startswith("only 1 of 10 starts reached the best maximum") and \
        "--restarts 50" in note
    assert _notes(None, SimpleNamespace(result=fit_of(3, 4), selection=None)) == []
    assert _notes(None, SimpleNamespace(result=fit_of(3, 1, starts=1), selection=None)) == []
    table = {"k": np.array([1, 2, 3, 4]), "bic": np.array([150.0, 100.0, 101.5, 130.0]),
             "aic": np.array([140.0, 90.0, 85.0, 99.0]),
             "chosen": np.array([False, True, False, False])}  # select_k's numpy columns
    fits = {1: fit_of(1, 10), 2: fit_of(2, 10), 3: fit_of(3, 10), 4: fit_of(4, 1)}
    sel = SimpleNamespace(table=table, criterion="bic", fits=fits, k=2)
    notes = _notes(None, SimpleNamespace(result=fits[2], selection=sel))
    assert notes == ["BIC of K = 3 is within 2 of K = 2's (difference 1.50): the data barely "
                     "distinguish them (Kass & Raftery 1995: a BIC difference of 0-2, about 2 log "
                     "Bayes factor, is 'not worth more than a bare mention')"]  # K = 4 is far off


def test_selection_table_shows_differences_and_starts_at_best(heights_csv, capsys):
    assert main(["select", str(heights_csv), "-c", "height", "-k", "1-3", "--restarts", "2",
                 "--init", "kmeans++"]) == 0
    out = capsys.readouterr().out
    header = [line for line in out.splitlines() if line.lstrip().startswith("K ")][0]
    assert "ΔBIC" in header and "at best" in header
    chosen = [line for line in out.splitlines() if "<- chosen by BIC" in line][0]
    assert chosen.split()[5] == "0.00" and chosen.split()[6].endswith("/2")


def test_two_dimensional_out_has_the_uncertainty_figure_and_select_plot(tmp_path, capsys):
    truth = Mixture([0.5, 0.5], [[0, 0], [4, 4]], [[[1, 0.5], [0.5, 1]], [[1, 0], [0, 2]]])
    x, _ = truth.sample(300, np.random.default_rng(1))
    path = tmp_path / "xy.csv"
    path.write_text("a,b\n" + "".join(f"{u},{v}\n" for u, v in x))
    out, png = tmp_path / "o", tmp_path / "sel.svg"
    assert main(["select", str(path), "-c", "a", "-c", "b", "-k", "1-3", "--restarts", "2",
                 "--out", str(out), "--plot", str(png)]) == 0
    capsys.readouterr()
    for name in ("fit.png", "bic.png", "uncertainty.png"):
        assert (out / name).read_bytes()[:4] == b"\x89PNG", name
    assert png.read_text().lstrip().startswith("<?xml")  # the format of the extension
    assert "uncertainty.png" in json.loads((out / "record.json").read_text())["files"]


def test_a_record_with_arguments_this_gmmem_refuses_is_one_line(heights_csv, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["fit", str(heights_csv), "-c", "height", "-k", "2", "--restarts", "1",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    record = json.loads((out / "record.json").read_text())
    record["argv"] += ["--restarts", "0"]
    (out / "record.json").write_text(json.dumps(record))
    assert main(["refit", str(out / "record.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "its arguments are not valid for this gmmem (argument " \
        "--restarts: expected an integer >= 1, got '0'" in err, err


@pytest.fixture
def two_groups_csv(tmp_path):
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.normal(0, 1, 40), rng.normal(6, 1, 40)])
    path = tmp_path / "two.csv"
    path.write_text("v\n" + "\n".join(f"{v:.6f}" for v in x) + "\n")
    return path


@pytest.mark.parametrize("criterion", ["icl", "blrt"])
def test_select_by_icl_or_blrt_prints_its_table(two_groups_csv, capsys, criterion):
    # Every criterion select offers is a column (or the BLRT's p-values) of the
    # selection table: the text report and the notes read it without a KeyError.
    assert main(["select", str(two_groups_csv), "-c", "v", "-k", "1-2", "--restarts", "2",
                 "--criterion", criterion]) == 0
    out = capsys.readouterr().out
    assert f"chosen by {criterion.upper()}" in out
    if criterion == "blrt":
        assert "BLRT p" in out


def test_sandwich_intervals_are_printed_when_asked(two_groups_csv, capsys):
    assert main(["fit", str(two_groups_csv), "-c", "v", "-k", "2", "--restarts", "2",
                 "--intervals", "wald,sandwich"]) == 0
    out = capsys.readouterr().out
    assert "sandwich SE" in out and "sandwich" in out.splitlines()[2]


def test_more_restarts_advice_counts_emem_runs_per_restart():
    # Under init="emem" each restart is two runs (a k-means++ start and a
    # short-run start): --restarts N gives 2N starts, and the advice is in
    # --restarts, not in starts.
    from types import SimpleNamespace

    from gmm_recovery.cli import _notes

    fit = SimpleNamespace(mixture=SimpleNamespace(n_components=2), n_best=1,
                          restarts=(None,) * 20)
    emem = SimpleNamespace(n_restarts=10, init="emem")
    (note,) = _notes(emem, SimpleNamespace(result=fit, selection=None))
    assert note.startswith("only 1 of 20 starts") and "--restarts 50 " in note
    plain = SimpleNamespace(n_restarts=20, init="kmeans++")
    (note,) = _notes(plain, SimpleNamespace(result=fit, selection=None))
    assert "--restarts 100 " in note


@pytest.mark.parametrize("criterion", ["icl", "blrt"])
def test_select_out_draws_the_criteria_chosen_by_icl_or_blrt(tmp_path, capsys, criterion):
    # The BLRT has no value per K: its choice is starred on the BIC curve.
    rng = np.random.default_rng(1)
    x = np.r_[rng.normal(0, 1, 60), rng.normal(5, 1, 40)]
    path = tmp_path / "two.csv"
    path.write_text("v\n" + "".join(f"{float(v)!r}\n" for v in x))
    out = tmp_path / "o"
    assert main(["select", str(path), "-c", "v", "-k", "1-2", "--restarts", "2",
                 "--criterion", criterion, "--out", str(out)]) == 0
    capsys.readouterr()
    assert (out / "bic.png").read_bytes()[:4] == b"\x89PNG"
