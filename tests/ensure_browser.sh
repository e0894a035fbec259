#!/usr/bin/env bash
# Make sure the browser tests have a browser: Debian's Chromium, or the one that
# VEERKRACHT_CHROMIUM points at. Called by `make test` (and so by `.ci/run`).
#
# - VEERKRACHT_CHROMIUM set: that file must be an executable browser; nothing is installed.
# - otherwise /usr/bin/chromium is used, and installed with apt-get when it is missing and
#   this user may install packages (root, or sudo without a password).
# Where neither works, one line says what to install or which variable to set; exit 2.
set -uo pipefail

fail() {
    echo "error: $1" >&2
    exit 2
}

if [[ -n "${VEERKRACHT_CHROMIUM:-}" ]]; then
    [[ -f "$VEERKRACHT_CHROMIUM" && -x "$VEERKRACHT_CHROMIUM" ]] ||
        fail "VEERKRACHT_CHROMIUM='$VEERKRACHT_CHROMIUM' is not an executable file; point it at a Chromium binary, or unset it to use Debian's chromium package (/usr/bin/chromium)"
    exit 0
fi

CHROMIUM=/usr/bin/chromium
[[ -x "$CHROMIUM" ]] && exit 0

if [[ $(id -u) -eq 0 ]]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    fail "the browser tests need Chromium: install Debian's package (sudo apt-get install chromium), or set VEERKRACHT_CHROMIUM=/path/to/chromium"
fi
command -v apt-get >/dev/null 2>&1 ||
    fail "the browser tests need Chromium and this machine has no apt-get: install Chromium and set VEERKRACHT_CHROMIUM=/path/to/chromium"

echo "Installing Debian's chromium for the browser tests (once)..." >&2
log=$(mktemp)
if ! { "${SUDO[@]}" apt-get install -y chromium >"$log" 2>&1 ||
       { "${SUDO[@]}" apt-get update >>"$log" 2>&1 && "${SUDO[@]}" apt-get install -y chromium >>"$log" 2>&1; }; }; then
    last=$(grep -E '^(E|W):' "$log" | tail -1)
    rm -f "$log"
    fail "could not install Debian's chromium (${last:-apt-get failed}); install it by hand (apt-get install chromium) or set VEERKRACHT_CHROMIUM=/path/to/chromium"
fi
rm -f "$log"
[[ -x "$CHROMIUM" ]] || fail "apt-get installed chromium but $CHROMIUM is missing; set VEERKRACHT_CHROMIUM=/path/to/chromium"
