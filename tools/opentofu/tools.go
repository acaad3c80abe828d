//go:build tools

// Package tools pins the OpenTofu CLI that scripts/terraform-cli.sh builds
// into bin/tofu, so provider tests can run against OpenTofu as well as
// Terraform. It is never built into the provider.
package tools

import (
	_ "github.com/opentofu/opentofu/cmd/tofu"
)
