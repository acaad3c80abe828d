#!/usr/bin/env bash
#
# `make generate`: format examples/ and regenerate docs/ from the provider's schema
# (its MarkdownDescriptions), examples/ and templates/, with tfplugindocs.
#
#   1. terraform fmt -recursive examples
#   2. build the provider into ./bin
#   3. export its schema with a local CLI (`providers schema -json`, dev_overrides, no init)
#   4. tfplugindocs generate --providers-schema (so it neither builds nor looks for, nor
#      downloads, a Terraform of its own), then tfplugindocs validate
#
# Everything that docs/ holds is rewritten, so `git status` shows any page that was stale.
# templates/guides/*.md.tmpl, when present, become docs/guides/*.md.
#
# The schema needs a CLI that knows ephemeral resources (Terraform >= 1.10): the Terraform
# of scripts/terraform-cli.sh when it is new enough (a `terraform` on PATH), else
# OpenTofu (./bin/tofu, built from source when missing). Both give the same schema.
#
# Environment:
#   TERRAFORM  Terraform CLI to use (default: `terraform` on PATH, else ./bin/terraform).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$(pwd)"
# shellcheck source=scripts/terraform-cli.sh
source scripts/terraform-cli.sh
# shellcheck source=scripts/go-tools.sh
source scripts/go-tools.sh

# version_at_least HAVE WANT: true when version HAVE >= WANT (both like 1.10.0).
version_at_least() {
	[[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" == "$2" ]]
}

ensure_terraform
echo "==> terraform fmt -recursive examples ($(cli_describe "${TERRAFORM_BIN}"))"
"${TERRAFORM_BIN}" fmt -recursive examples

echo "==> building the provider into bin/"
go build -o bin/terraform-provider-placeos .

schema_cli="${TERRAFORM_BIN}"
if ! version_at_least "$(cli_version "${TERRAFORM_BIN}")" 1.10.0; then
	echo "==> $(cli_describe "${TERRAFORM_BIN}") does not export ephemeral resources; using OpenTofu for the schema"
	ensure_tofu
	schema_cli="${TOFU_BIN}"
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/placeos-docs.XXXXXX")"
trap 'rm -rf "${tmp}"' EXIT

# tfplugindocs looks the schema up as registry.terraform.io/hashicorp/<name>, so the
# throwaway configuration names the provider that way, and dev_overrides maps that
# address to the binary just built. Nothing is installed: no init, no registry.
cat >"${tmp}/dev.tfrc" <<EOF
provider_installation {
  dev_overrides {
    "registry.terraform.io/hashicorp/placeos" = "${repo}/bin"
  }
  direct {}
}
EOF
cat >"${tmp}/main.tf" <<'EOF'
terraform {
  required_providers {
    placeos = {
      source = "registry.terraform.io/hashicorp/placeos"
    }
  }
}
EOF
echo "==> exporting the provider schema with $(cli_describe "${schema_cli}")"
(
	cd "${tmp}"
	TF_CLI_CONFIG_FILE="${tmp}/dev.tfrc" TF_DATA_DIR="${tmp}/.terraform" \
		"${schema_cli}" providers schema -json >"${tmp}/schema.json" 2>"${tmp}/schema.err"
) || {
	cat "${tmp}/schema.err" >&2
	echo "error: could not export the provider schema" >&2
	exit 1
}
if ! grep -q '"ephemeral_resource_schemas"' "${tmp}/schema.json"; then
	echo "error: the exported schema has no ephemeral resources; docs/ would miss their pages" >&2
	exit 1
fi

ensure_go_tool tfplugindocs
tfplugindocs="${GO_TOOL_BIN}"
echo "==> tfplugindocs generate ($(go_tool_version "${tfplugindocs}"))"
"${tfplugindocs}" generate \
	--provider-name placeos \
	--rendered-provider-name PlaceOS \
	--providers-schema "${tmp}/schema.json"

echo "==> tfplugindocs validate"
# Its [DEBUG] lines are shown only when it fails.
if ! "${tfplugindocs}" validate \
	--provider-name placeos \
	--providers-schema "${tmp}/schema.json" >"${tmp}/validate.log" 2>&1; then
	cat "${tmp}/validate.log" >&2
	echo "error: tfplugindocs validate found problems in docs/" >&2
	exit 1
fi
grep -v '\[DEBUG\]' "${tmp}/validate.log" || true
