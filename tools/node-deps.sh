#!/usr/bin/env bash
# Install the npm dependencies of examples/typescript (@pulumi/pulumi, TypeScript, ts-node and
# the generated TypeScript SDK from SDK_DIR, default sdk/nodejs) once, into
#   ${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-wa-webhook/node-<stamp>/node_modules
# and print that node-<stamp> directory as the LAST line. The stamp covers package.json, .npmrc,
# the SDK's files and this script, so a second run (or another clone) reuses the install;
# npm's own download cache (~/.npm) makes a changed SDK a quick reinstall.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sdk="$(cd "${1:-$root/sdk/nodejs}" && pwd)"
example="$root/examples/typescript"
log() { echo "node-deps: $*" >&2; }

stamp="$( (cat "$example/package.json" "$example/.npmrc" "$0";
           cd "$sdk" && find . -type f -not -path './node_modules/*' -not -path './bin/*' \
               | LC_ALL=C sort | xargs cat) | sha256sum | cut -c1-16)"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-wa-webhook"
dir="$cache_root/node-$stamp"
if [ -f "$dir/.done" ]; then
    log "using the cached node_modules in $dir"
    echo "$dir"
    exit 0
fi

log "npm install for examples/typescript into $dir"
mkdir -p "$cache_root"
tmp="$(mktemp -d "$cache_root/.node-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
cp "$example/.npmrc" "$tmp/"
sed "s#file:../../sdk/nodejs#file:$sdk#" "$example/package.json" > "$tmp/package.json"
(cd "$tmp" && npm install --no-audit --no-fund --prefer-offline --loglevel=error >&2)
touch "$tmp/.done"
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
# Keep the cache small: installs for other stamps made more than a week ago go.
find "$cache_root" -maxdepth 1 -name 'node-*' -type d -mtime +7 -exec rm -rf {} + 2>/dev/null || true
echo "$dir"
