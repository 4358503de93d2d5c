#!/usr/bin/env bash
# Refresh requirements.lock: resolve the newest versions pyproject.toml allows
# (every extra included), in a throw-away venv, and write them pinned.
# Then copy the new versions of the direct dependencies into environment.yml;
# tests/test_environment.py fails until the three files agree.
# Usage: tools/update-lock.sh [PYTHON]   (default python3)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-python3}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$PY" -m venv "$TMP/venv"
"$TMP/venv/bin/pip" install -q --disable-pip-version-check -e ".[test,bench,slurm]"
{
  echo "# Exact versions of every package gmm-recovery installs (all extras), for"
  echo "#   pip install -c requirements.lock -e \".[test]\""
  echo "# Written by tools/update-lock.sh with $("$TMP/venv/bin/python" -V) on $(uname -m) Linux;"
  echo "# environment.yml pins the same versions (tests/test_environment.py checks)."
  "$TMP/venv/bin/pip" freeze --exclude-editable | grep -v '^#' | LC_ALL=C sort -f
} > requirements.lock.new
mv requirements.lock.new requirements.lock
echo "requirements.lock: $(grep -vc '^#' requirements.lock) packages pinned"
