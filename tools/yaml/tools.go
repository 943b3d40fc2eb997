//go:build tools

// Package tools pins the Pulumi YAML language host, built by tools/pulumi-yaml.sh
// (`make pulumi-cli`). It is a module of its own because pulumi-yaml builds against its own
// pkg/sdk versions, not against the CLI pinned in ../go.mod.
package tools

import (
	_ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
)
