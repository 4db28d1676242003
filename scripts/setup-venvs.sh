#!/usr/bin/env bash
# Creates the two virtual environments the project needs:
#   .venv     the fleet, its tools and tests (default python3, 3.11)
#   .venv-bq  the BigQuery stand-in `local-bigquery`, which needs Python >= 3.13
# Idempotent: each venv has a stamp file written only after a successful install, and is
# redone when constraints.txt or pyproject.toml is newer than its stamp.
set -euo pipefail

SCRIPT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
ROOT="$(dirname "$(dirname "$SCRIPT")")"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"
PYTHON_BQ="${PYTHON_BQ:-}"
VENV="${MENTIONFLEET_VENV:-$ROOT/.venv}"
VENV_BQ="${MENTIONFLEET_BQ_VENV:-$ROOT/.venv-bq}"

DUCKDB_VERSION="1.5.5"
BQ_PACKAGES=(
  "local-bigquery==0.3.2"
  "duckdb==$DUCKDB_VERSION"
  "duckdb-extension-ducklake==$DUCKDB_VERSION"
  "duckdb-extension-icu==$DUCKDB_VERSION"
  "duckdb-extension-spatial==$DUCKDB_VERSION"
)

say() { printf '==> %s\n' "$*"; }
die() { printf 'setup-venvs: %s\n' "$*" >&2; exit 1; }

# True when the stamp exists and is newer than every file it depends on.
fresh() {
  local stamp="$1"; shift
  [[ -f "$stamp" ]] || return 1
  local dep
  for dep in "$@"; do
    [[ "$dep" -nt "$stamp" ]] && return 1
  done
  return 0
}

find_python_313() {
  local candidate
  for candidate in "$PYTHON_BQ" python3.13 "$HOME/.pyenv/versions/3.13.0/bin/python" \
                   "$HOME"/.pyenv/versions/3.1[3-9]*/bin/python; do
    [[ -n "$candidate" ]] || continue
    if command -v "$candidate" >/dev/null 2>&1 \
       && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 13))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

setup_project_venv() {
  local stamp="$VENV/.mentionfleet-stamp"
  if fresh "$stamp" constraints.txt pyproject.toml; then
    say "project venv $VENV is up to date"
    return
  fi
  say "project venv: $VENV ($("$PYTHON" --version))"
  [[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  say "installing mentionfleet[tools,dev] (editable) with constraints.txt"
  "$VENV/bin/python" -m pip install --quiet -c constraints.txt -e '.[tools,dev]'
  touch "$stamp"
  say "project venv ready"
}

setup_bq_venv() {
  local stamp="$VENV_BQ/.mentionfleet-stamp"
  local ext_dir="$VENV_BQ/home/.duckdb/extensions/v$DUCKDB_VERSION/linux_amd64"
  # The pins live in this script, so editing it redoes this venv.
  if fresh "$stamp" "$SCRIPT" && compgen -G "$ext_dir/*.duckdb_extension" >/dev/null; then
    say "BigQuery stand-in venv $VENV_BQ is up to date"
    return
  fi
  local py
  py="$(find_python_313)" || die "no Python >= 3.13 found (set PYTHON_BQ=/path/to/python3.13)"
  say "BigQuery stand-in venv: $VENV_BQ ($("$py" --version))"
  [[ -x "$VENV_BQ/bin/python" ]] || "$py" -m venv "$VENV_BQ"
  "$VENV_BQ/bin/python" -m pip install --quiet --upgrade pip
  say "installing ${BQ_PACKAGES[*]}"
  "$VENV_BQ/bin/python" -m pip install --quiet "${BQ_PACKAGES[@]}"

  # DuckDB looks for extensions under $HOME/.duckdb; the stand-in runs with
  # HOME=$VENV_BQ/home so it finds these offline copies instead of downloading.
  say "copying DuckDB extensions to $ext_dir"
  mkdir -p "$ext_dir"
  local site found=0 ext
  site="$("$VENV_BQ/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  for ext in "$site"/duckdb_extension_*/extensions/v"$DUCKDB_VERSION"/*.duckdb_extension; do
    [[ -f "$ext" ]] || continue
    cp -f "$ext" "$ext_dir/"
    found=$((found + 1))
  done
  (( found == 3 )) || die "expected 3 DuckDB extensions under $site, found $found"
  touch "$stamp"
  say "BigQuery stand-in venv ready"
}

setup_project_venv
setup_bq_venv
say "done"
