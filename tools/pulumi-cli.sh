#!/usr/bin/env bash
# Make sure a Pulumi CLI (>= 3.140) with the Python, Node.js and Go language hosts and the
# dynamic-provider launcher is available, and print the directory that holds them as the LAST
# line.
#
#   1. A suitable `pulumi` already on PATH (the official install): use its directory.
#   2. Otherwise use, or build once, the binaries cached outside the clone in
#      ${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-wa-webhook/pulumi-<version>/, built with Go from
#      the tools module next to this script (see tools/go.mod and tools/README.md). The CLI
#      and the language hosts have separate stamps: a change to a host rebuilds only the hosts.
set -euo pipefail

PULUMI_VERSION="v3.274.1"
MIN_MINOR=140
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { echo "pulumi-cli: $*" >&2; }

HOSTS="python nodejs go"
has_all() {
    [ -x "$1/pulumi" ] && [ -x "$1/pulumi-resource-pulumi-python" ] || return 1
    for lang in $HOSTS; do [ -x "$1/pulumi-language-$lang" ] || return 1; done
}

# 1. An installed CLI.
if [ -z "${WA_WEBHOOK_BUILD_PULUMI:-}" ] && existing="$(command -v pulumi 2>/dev/null)"; then
    dir="$(cd "$(dirname "$existing")" && pwd)"
    version="$("$existing" version 2>/dev/null || true)"
    minor="$(echo "$version" | sed -n 's/^v3\.\([0-9]*\)\..*/\1/p')"
    if [ -n "$minor" ] && [ "$minor" -ge "$MIN_MINOR" ] && has_all "$dir"; then
        log "using the installed Pulumi CLI $version in $dir"
        echo "$dir"
        exit 0
    fi
    log "ignoring $existing ($version): need v3.$MIN_MINOR+ with pulumi-language-{python,nodejs,go} and pulumi-resource-pulumi-python beside it"
fi

# 2. The cache: the CLI keyed by the pinned version and the inputs of its build, the language
#    hosts (tools/langhost, tools/langhosts and tools/*-langhost) by their sources.
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-wa-webhook"
dir="$cache_root/pulumi-$PULUMI_VERSION"
stamp_inputs="$(cat "$here/go.mod" "$here/go.sum" "$0" | sha256sum | cut -c1-16)"
hosts_stamp="$(cat "$here/go.mod" "$here/go.sum" "$here"/langhost*/*.go "$here"/*-langhost/*.go \
    | sha256sum | cut -c1-16)"
cli_current() {
    [ -x "$dir/pulumi" ] && [ -x "$dir/pulumi-resource-pulumi-python" ] &&
        [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$stamp_inputs" ]
}
if cli_current && has_all "$dir" && [ "$(cat "$dir/.stamp-hosts" 2>/dev/null)" = "$hosts_stamp" ]; then
    log "using the cached Pulumi CLI in $dir"
    echo "$dir"
    exit 0
fi

if ! command -v go >/dev/null 2>&1; then
    cat >&2 <<MSG
pulumi-cli: no suitable Pulumi CLI on PATH, and Go is not installed to build one.
  Install the official CLI (https://www.pulumi.com/docs/install/, e.g.
  'curl -fsSL https://get.pulumi.com | sh') and put it on PATH, or install Go 1.26+
  and run 'make pulumi-cli' again to build Pulumi $PULUMI_VERSION from source.
MSG
    exit 1
fi

ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
mkdir -p "$cache_root"
tmp="$(mktemp -d "$cache_root/.build-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
cd "$here"

# build_hosts DIR: the three language hosts, one executable (tools/langhosts) under three names
# (hard links): the name it is started by picks the host.
build_hosts() {
    log "go build the language hosts (tools/langhosts: $HOSTS)"
    go build -o "$1/pulumi-language-python" -ldflags "$ldflags" ./langhosts
    for lang in $HOSTS; do
        [ "$lang" = python ] || ln -f "$1/pulumi-language-python" "$1/pulumi-language-$lang"
    done
    echo "$hosts_stamp" > "$1/.stamp-hosts"
}

if cli_current; then
    log "rebuilding the language hosts in $dir (their sources changed)"
    build_hosts "$tmp"
    for file in "$tmp"/pulumi-language-* "$tmp/.stamp-hosts"; do
        mv -f "$file" "$dir/"
    done
    echo "$dir"
    exit 0
fi

log "building Pulumi $PULUMI_VERSION from Go modules into $dir"
log "(a first build takes several minutes on 2 cores; later runs reuse the cache)"
log "step 1/4: downloading modules (go mod download)"
go mod download
log "step 2/4: go build github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
go build -o "$tmp/pulumi" -ldflags "$ldflags" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
log "step 3/4: the language hosts"
build_hosts "$tmp"
log "step 4/4: copying Pulumi's Python scripts from the sdk module"
sdk_dir="$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
install -m 0755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$tmp/pulumi-language-python-exec"
install -m 0755 "$sdk_dir/python/dist/pulumi-resource-pulumi-python" "$tmp/pulumi-resource-pulumi-python"
echo "$stamp_inputs" > "$tmp/.stamp"
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
log "built: $("$dir/pulumi" version)"
echo "$dir"
