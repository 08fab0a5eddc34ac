# Sourced by Tests/soak/run, Tests/drills/crash and Tests/drills/disk-full: the Python venv with
# `websockets` (pinned, from PyPI, the same as Tests/interop) and the built tandemd / tandem-admin.
# Sets: root, venv_python, tandemd_bin, admin_bin. TANDEMD_BINARY / TANDEM_ADMIN_BINARY override.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
websockets_version=17.4
venv="$root/.venv-interop"
if ! "$venv/bin/python" -c "import sys, websockets; sys.exit(websockets.__version__ != '$websockets_version')" 2>/dev/null; then
  echo "installing websockets==$websockets_version into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "websockets==$websockets_version"
fi
venv_python="$venv/bin/python"
bin_dir=$(cd "$root" && swift build --show-bin-path 2>/dev/null || echo "$root/.build/debug")
tandemd_bin=${TANDEMD_BINARY:-$bin_dir/tandemd}
admin_bin=${TANDEM_ADMIN_BINARY:-$bin_dir/tandem-admin}
for b in "$tandemd_bin" "$admin_bin"; do
  if [ ! -x "$b" ]; then
    echo "FAIL: $b is not built; run 'swift build --product tandemd' and 'swift build --product tandem-admin' first" >&2
    exit 1
  fi
done
