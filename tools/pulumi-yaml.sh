#!/usr/bin/env bash
# Make sure the Pulumi YAML language host `pulumi-language-yaml` is available and print the
# directory that holds it as the LAST line (add it to PATH beside the Pulumi CLI).
#
#   1. `pulumi-language-yaml` already on PATH (installed with the official CLI): its directory.
#   2. Otherwise use, or build once, the binary cached outside the clone in
#      ${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-wa-webhook/pulumi-yaml-<version>/, built with Go
#      from the tools/yaml module (separate from tools/go.mod: pulumi-yaml builds against its
#      own pkg/sdk versions, not the pinned CLI's).
set -euo pipefail

YAML_VERSION="v1.25.0"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { echo "pulumi-yaml: $*" >&2; }

if [ -z "${WA_WEBHOOK_BUILD_PULUMI:-}" ] && existing="$(command -v pulumi-language-yaml 2>/dev/null)"; then
    dir="$(cd "$(dirname "$existing")" && pwd)"
    log "using the installed $existing"
    echo "$dir"
    exit 0
fi

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-wa-webhook"
dir="$cache_root/pulumi-yaml-$YAML_VERSION"
stamp_inputs="$(cat "$here/yaml/go.mod" "$here/yaml/go.sum" "$0" | sha256sum | cut -c1-16)"
if [ -x "$dir/pulumi-language-yaml" ] && [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$stamp_inputs" ]; then
    log "using the cached pulumi-language-yaml in $dir"
    echo "$dir"
    exit 0
fi

if ! command -v go >/dev/null 2>&1; then
    log "pulumi-language-yaml is not on PATH and Go is not installed to build it;"
    log "install the official Pulumi CLI (it ships the YAML host) or Go 1.26+."
    exit 1
fi

log "building pulumi-language-yaml $YAML_VERSION from Go modules into $dir (about a minute)"
mkdir -p "$cache_root"
tmp="$(mktemp -d "$cache_root/.build-yaml-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
cd "$here/yaml"
go mod download
go build -o "$tmp/pulumi-language-yaml" \
    -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=$YAML_VERSION" \
    github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml
echo "$stamp_inputs" > "$tmp/.stamp"
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
log "built $dir/pulumi-language-yaml"
echo "$dir"
