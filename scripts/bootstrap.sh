#!/usr/bin/env bash
# Installs everything Suiji needs on a fresh Debian machine that has only Python and pip:
# the Debian packages in scripts/apt-packages.txt (when missing) and the pinned Python
# dependencies into .venv. Idempotent and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
LOCK="${1:-requirements/dev.lock}"

missing=()
while read -r pkg; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done < scripts/apt-packages.txt
if ((${#missing[@]})); then
  echo "==> apt: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  python3 -m venv .venv
fi
stamp=".venv/.installed-$(sha256sum "$LOCK" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "==> pip: installing $LOCK"
  .venv/bin/pip install -q --upgrade pip >/dev/null
  .venv/bin/pip install -q -r "$LOCK"
  touch "$stamp"
fi
