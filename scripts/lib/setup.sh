# Shared by scripts/run and scripts/test: a .venv with the pinned dependencies, and compiled catalogs.
# Re-installs only when setup.cfg, constraints.txt or the extras change, so a second run takes seconds.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"

find_python() {
  for candidate in "${PYTHON:-}" python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "Python 3.11 is required (set PYTHON=/path/to/python3.11)" >&2
  return 1
}

ensure_venv() {
  local extras="$1"   # "", "dev" or "dev,mt"
  local spec="."
  [ -n "$extras" ] && spec=".[$extras]"
  if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating $VENV"
    "$(find_python)" -m venv "$VENV"
  fi
  local stamp
  stamp="$(cat "$ROOT/setup.cfg" "$ROOT/constraints.txt" | sha256sum | cut -c1-16)-$extras"
  local stamp_file="$VENV/.installed-$extras"
  if [ "$(cat "$stamp_file" 2>/dev/null)" != "$stamp" ]; then
    echo "==> installing dependencies ($spec) from constraints.txt"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip setuptools wheel
    if [[ ",$extras," == *",mt,"* ]]; then
      # argostranslate needs PyTorch (through stanza); take the CPU build, never a CUDA one.
      "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        -c "$ROOT/constraints.txt" torch
    fi
    (cd "$ROOT" && "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        -c constraints.txt -e "$spec")
    echo "$stamp" > "$stamp_file"
  fi
  (cd "$ROOT" && "$VENV/bin/pybabel" -q compile -d translations)
  export PATH="$VENV/bin:$PATH"
  export FLASK_APP=app
}
