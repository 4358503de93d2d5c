"""Every EM fit setting, declared once: name, type, default, allowed values, help.

The library's argument checks (:func:`check`), the config schema's ``fit``
block (:func:`json_schema`), the command line's options (:func:`add_options`,
:func:`from_options`) and the README's settings table (:func:`markdown_table`)
are all made from :data:`SETTINGS`; the tests
``test_fit_signature_defaults_are_the_declared_ones`` and
``test_schema_cli_and_readme_come_from_the_declaration`` check that ``fit()``'s
signature, the schema, the command line and the README agree with it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ._validate import check_choice, check_positive_float, check_positive_int


@dataclass(frozen=True)
class Setting:
    """One fit setting. kind: 'int', 'number' or 'choice'; bounds are inclusive
    for ints, exclusive below and inclusive (``closed_high``) or exclusive above
    for numbers; ``flag`` is the command-line option (None: not on the CLI)."""

    name: str
    kind: str
    default: object
    help: str
    choices: tuple = ()
    low: float | None = None
    high: float | None = None
    closed_high: bool = False
    flag: str | None = None
    nullable: bool = False
    scope: str = "fit"  # "fit": an argument of gmmem.fit; "study": how a study or the CLI uses a fit

    def check(self, value):
        """The value as the library uses it, or ValueError naming the setting and value."""
        if value is None and self.nullable:
            return None
        if self.kind == "choices":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, (list, tuple)) or not value:
                raise ValueError(f"{self.name} must be a non-empty list of {self.choices}, "
                                 f"got {value!r}")
            for v in value:
                check_choice(self.name, v, self.choices)
            return tuple(dict.fromkeys(value))
        if self.kind == "choice":
            check_choice(self.name, value, self.choices)
            return value
        if self.kind == "int":
            v = check_positive_int(self.name, value, int(self.low))
            if self.high is not None and v > self.high:
                raise ValueError(f"{self.name} must be an integer <= {self.high:g}, got {value!r}")
            return v
        v = check_positive_float(self.name, value)
        if self.high is not None and not (v <= self.high if self.closed_high else v < self.high):
            bracket = "]" if self.closed_high else ")"
            raise ValueError(f"{self.name} must be a number in (0, {self.high:g}{bracket}, "
                             f"got {value!r}")
        return v

    def allowed(self) -> str:
        """The allowed values in words, for the README table."""
        if self.kind == "choice":
            return ", ".join("null" if c is None else f"`{c}`" for c in self.choices)
        if self.kind == "choices":
            return "a list of " + ", ".join(f"`{c}`" for c in self.choices)
        if self.kind == "int":
            top = f"{self.high:,.0f}" if self.high is not None else "∞"
            return f"integer {int(self.low)} … {top}" + (", or null" if self.nullable else "")
        return f"number in (0, {self.high:g}{']' if self.closed_high else ')'}"


SETTINGS: tuple[Setting, ...] = (
    Setting("n_components", "int", None, "components to fit; null means the truth's K "
            "(config only: the CLI's -k)", low=1, nullable=True),
    Setting("n_restarts", "int", 10, "random starts; the best maximum is reported",
            low=1, high=10_000, flag="--restarts"),
    Setting("init", "choice", "emem", "how starts are drawn: emem runs the n_restarts "
            "k-means++ starts and the best n_restarts of 8·n_restarts short EM runs from "
            "k-means++ and spread (mixtools-style) starts (Biernacki et al. 2003); kmeans++ "
            "or random alone as before", choices=("emem", "kmeans++", "random"), flag="--init"),
    Setting("covariance", "choice", "full", "covariance structure; 'tied' is one shared "
            "covariance", choices=("full", "diag", "tied"), flag="--covariance"),
    Setting("tol", "number", 1e-10, "per-observation tolerance of the stopping rule",
            high=1.0, flag="--tol"),
    Setting("max_iter", "int", 10_000, "EM-map evaluations per start", low=1, high=1_000_000,
            flag="--max-iter"),
    Setting("accel", "choice", "squarem", "SQUAREM acceleration (Varadhan & Roland 2008), "
            "or none (null in a config) for plain EM", choices=("squarem", None), flag="--accel"),
    Setting("stopping", "choice", "aitken", "stopping rule: Aitken-extrapolated distance to "
            "the maximum, or the relative or absolute change of the objective",
            choices=("aitken", "relative", "absolute"), flag="--stopping"),
    Setting("var_floor", "number", 1e-6, "smallest variance, as a fraction of the data's; "
            "above 1 % it would bind on ordinary components", high=0.01, closed_high=True,
            flag="--var-floor"),
    Setting("estimator", "choice", "mle", "mle: maximum likelihood; map: posterior mode "
            "under mclust's default prior (Fraley & Raftery 2007); pmle: Chen & Tan's (2009) "
            "penalised likelihood", choices=("mle", "map", "pmle"), flag="--estimator"),
    Setting("prefer", "choice", "loglik", "which restart is reported: the highest objective, "
            "or the highest that is not a spurious maximum", choices=("loglik", "regular"),
            flag="--prefer"),
    Setting("spurious_test", "choice", "bootstrap", "how a maximum the eigenvalue-ratio rule "
            "flags is judged (mle only): bootstrap tests its narrow component's likelihood gain "
            "against draws from the best regular fit (99 draws; 3-24x a plain fit where it "
            "runs); rule takes the rule's flag as it is", choices=("bootstrap", "rule"),
            flag="--spurious-test"),
    Setting("intervals", "choices", ("wald",), "interval kinds: wald (observed information, "
            "always computed); sandwich adds Huber-White (White 1982) SEs and Wald intervals "
            "on them, robust to a misspecified component family; bootstrap adds bootstrap SEs "
            "and percentile and BCa intervals from n_boot refits of every fit",
            choices=("wald", "sandwich", "bootstrap"), flag="--intervals", scope="study"),
    Setting("n_boot", "int", 200, "bootstrap resamples per fit", low=10, high=100_000,
            flag="--n-boot", scope="study"),
    Setting("bootstrap", "choice", "parametric", "parametric: resamples drawn from the fitted "
            "mixture; nonparametric: the data's rows drawn with replacement",
            choices=("parametric", "nonparametric"), flag="--bootstrap", scope="study"),
)
BY_NAME = {s.name: s for s in SETTINGS}


def defaults() -> dict:
    """{name: default} of every setting."""
    return {s.name: s.default for s in SETTINGS}


def fit_kwargs(values: dict) -> dict:
    """The settings that are arguments of gmmem.fit (not n_components, not the
    study-scope ones such as the bootstrap's)."""
    return {k: v for k, v in values.items()
            if k != "n_components" and BY_NAME[k].scope == "fit"}


def check(values: dict) -> dict:
    """Every given setting checked (ValueError names the first bad one); unknown
    names are refused too. Returns the checked values."""
    out = {}
    for name, value in values.items():
        if name not in BY_NAME:
            raise ValueError(f"unknown fit setting {name!r} (valid: {', '.join(BY_NAME)})")
        out[name] = BY_NAME[name].check(value)
    return out


def json_schema() -> dict:
    """The config schema's ``fit`` block (JSON Schema draft 2020-12)."""
    props = {}
    for s in SETTINGS:
        if s.kind == "choice":
            p = {"enum": list(s.choices)}
        elif s.kind == "choices":
            p = {"type": "array", "items": {"enum": list(s.choices)}, "minItems": 1,
                 "uniqueItems": True}
        elif s.kind == "int":
            p = {"type": ["integer", "null"] if s.nullable else "integer", "minimum": int(s.low)}
            if s.high is not None:
                p["maximum"] = int(s.high)
        else:
            p = {"type": "number", "exclusiveMinimum": 0}
            if s.high is not None:
                p["maximum" if s.closed_high else "exclusiveMaximum"] = s.high
        p["description"] = s.help
        props[s.name] = p
    return {"type": "object", "description": "EM settings, as gmmem.fit takes them",
            "additionalProperties": False, "properties": props}


def _parser_type(s: Setting):
    import argparse

    def parse(text: str):
        if s.kind == "choices":
            items = [t.strip() for t in text.split(",")]
            bad = [t for t in items if t not in s.choices]
            if bad or not items:
                raise argparse.ArgumentTypeError(
                    f"expected a comma-separated list of {', '.join(s.choices)}, got {text!r}")
            return tuple(dict.fromkeys(items))
        if s.kind == "choice":
            shown = ["none" if c is None else c for c in s.choices]
            if text not in shown + (["null"] if None in s.choices else []):
                raise argparse.ArgumentTypeError(f"expected one of {', '.join(shown)}, "
                                                 f"got {text!r}")
            value = None if text in ("none", "null") else text
        elif s.kind == "int":
            try:
                value = int(text)
            except ValueError:
                raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        else:
            try:
                value = float(text)
            except ValueError:
                raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
            if not math.isfinite(value) or value <= 0:
                high = "" if s.high is None else f", {s.high:g}{']' if s.closed_high else ')'}"
                raise argparse.ArgumentTypeError(
                    f"expected a number in (0{high}" + ("" if high else ", ∞)")
                    + f", got {text!r}")
        try:
            return s.check(value)
        except ValueError as e:
            message = str(e).rsplit(", got ", 1)[0].replace(f"{s.name} must be", "expected")
            raise argparse.ArgumentTypeError(f"{message}, got {text!r}") from None

    return parse


def add_options(parser) -> None:
    """One option per setting with a ``flag``, with its default and help."""
    for s in SETTINGS:
        if s.flag is None:
            continue
        metavar = {"int": "N", "number": "X"}.get(s.kind)
        if s.kind == "choices":
            metavar = "|".join(s.choices)
        if s.kind == "choice":
            metavar = "{" + ",".join("none" if c is None else c for c in s.choices) + "}"
        default = ("none" if s.default is None and s.kind == "choice" else
                   ",".join(s.default) if s.kind == "choices" else s.default)
        parser.add_argument(s.flag, dest=s.name, type=_parser_type(s), default=s.default,
                            metavar=metavar, help=f"{s.help} (default {default})".replace("%", "%%"))


def from_options(args) -> dict:
    """The fit settings of parsed command-line options."""
    return {s.name: getattr(args, s.name) for s in SETTINGS if s.flag is not None}


def markdown_table() -> str:
    """The README's table of fit settings."""
    rows = ["| setting | default | allowed | command line | what it does |",
            "|---|---|---|---|---|"]
    for s in SETTINGS:
        default = ("null" if s.default is None else f"`{list(s.default)}`"
                   if s.kind == "choices" else f"`{s.default}`")
        rows.append(f"| `{s.name}` | {default} | {s.allowed()} | "
                    f"{f'`{s.flag}`' if s.flag else '—'} | {s.help} |")
    return "\n".join(rows)
