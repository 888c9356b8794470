#!/usr/bin/env bash
# Prints the folder of a `node` that satisfies Herald's requirement (package.json "engines"),
# fetching the version pinned in .nvmrc when the machine's node is missing or too old.
#   PATH="$(tools/node/ensure-node.sh):$PATH"
# The binary comes from the npm registry (package node-<os>-<arch>, which carries the official
# build) and is kept under .cache/node/<version>/ (git-ignored): a second run downloads nothing.
# Progress goes to stderr; stdout is only the folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"

pinned="$(tr -d ' \tv\r\n' <"$root/.nvmrc")"
# The lowest version package.json accepts, from an engines range such as ">=24.11.0".
minimum="$(sed -nE '/"engines"/,/}/ s/.*"node": *">= *([0-9.]+)".*/\1/p' "$root/package.json" | head -1)"
[[ "$pinned" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "ensure-node: .nvmrc must hold a full version (x.y.z), not '$pinned'" >&2; exit 1; }
[ -n "$minimum" ] || { echo "ensure-node: no \">=x.y.z\" node range in package.json engines" >&2; exit 1; }

# at_least A B: version A >= version B (numeric, field by field).
at_least() {
  local IFS=.
  local -a a=($1) b=($2)
  for i in 0 1 2; do
    (( ${a[i]:-0} > ${b[i]:-0} )) && return 0
    (( ${a[i]:-0} < ${b[i]:-0} )) && return 1
  done
  return 0
}

if command -v node >/dev/null 2>&1; then
  current="$(node --version | tr -d v)"
  if at_least "$current" "$minimum"; then
    dirname "$(command -v node)"
    exit 0
  fi
fi

bin="$root/.cache/node/$pinned/bin"
if [ -x "$bin/node" ] && [ "$("$bin/node" --version)" = "v$pinned" ]; then
  echo "$bin"
  exit 0
fi

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) echo "ensure-node: no node-<os> package for $(uname -s); install Node $pinned yourself" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "ensure-node: no node package for $(uname -m); install Node $pinned yourself" >&2; exit 1 ;;
esac
package="node-$os-$arch@$pinned"
echo "ensure-node: node ${current:-(none)} is older than $minimum; fetching $package from the npm registry" >&2

# Unpacked next to its final place and moved in one step, so an interrupted run leaves no half copy.
mkdir -p "$root/.cache/node"
work="$(mktemp -d "$root/.cache/node/.fetch-XXXXXX")"
trap 'rm -rf "$work"' EXIT
# The package holds node only; the machine's npm (any npm 10 or 11) runs on it from PATH.
command -v npm >/dev/null 2>&1 || { echo "ensure-node: npm is needed to fetch $package" >&2; exit 1; }
tarball="$(cd "$work" && npm pack --silent "$package" | tail -1)"
tar -xzf "$work/$tarball" -C "$work"
[ "$("$work/package/bin/node" --version)" = "v$pinned" ] || { echo "ensure-node: $package did not contain node v$pinned" >&2; exit 1; }
rm -rf "$root/.cache/node/$pinned"
mv "$work/package" "$root/.cache/node/$pinned"
echo "$bin"
