#!/usr/bin/env bash
# `make sdks`: generate the TypeScript, Go and Python SDKs of the native plugin from the schema
# it serves, with `pulumi package gen-sdk`, into OUT (default: sdk/ in the clone) as
# OUT/nodejs, OUT/go and OUT/python. Needs `pulumi` and its language hosts on PATH (the Makefile
# puts tools/pulumi-cli.sh's directory there) and the plugin (WA_WEBHOOK_PLUGIN, default the
# venv's pulumi-resource-wa-webhook).
#
# The Node.js SDK is generated with --local: its package.json then compiles it on install
# (postinstall runs tsc) and points `main` at bin/index.js, so a project can depend on the
# directory itself (`file:` in package.json, or `pulumi package add`).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/sdk}"
plugin="${WA_WEBHOOK_PLUGIN:-$root/.venv/bin/pulumi-resource-wa-webhook}"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true

if [ ! -x "$plugin" ]; then
    echo "gen-sdks: no plugin at $plugin; run 'make venv' first" >&2
    exit 1
fi
mkdir -p "$out"
pulumi package gen-sdk "$plugin" --language nodejs --local --out "$out"
pulumi package gen-sdk "$plugin" --language go --out "$out"
pulumi package gen-sdk "$plugin" --language python --out "$out"
echo "gen-sdks: wrote $out/nodejs, $out/go and $out/python" >&2
echo "$out"
