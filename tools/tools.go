//go:build tools

// Package tools pins the Go programs this project builds for its own use:
// the Pulumi CLI, for machines where the official installer cannot be reached.
// `make pulumi-cli` builds them with `go build` from this module.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
