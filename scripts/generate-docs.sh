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
# The schema needs a CLI that exports list resources (Terraform >= 1.14): Terraform 1.15 of
# scripts/terraform-cli.sh (./bin/terraform-1.15, built from source when missing).
#
# Environment:
#   TERRAFORM  Terraform CLI to use (default: `terraform` on PATH, else ./bin/terraform).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/terraform-cli.sh
source scripts/terraform-cli.sh
# shellcheck source=scripts/go-tools.sh
source scripts/go-tools.sh

ensure_terraform
echo "==> terraform fmt -recursive examples ($(cli_describe "${TERRAFORM_BIN}"))"
"${TERRAFORM_BIN}" fmt -recursive examples

echo "==> building the provider into bin/"
go build -o bin/terraform-provider-placeos .

ensure_terraform_latest
schema_cli="${TERRAFORM_LATEST_BIN}"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/placeos-docs.XXXXXX")"
trap 'rm -rf "${tmp}"' EXIT

# tfplugindocs looks the schema up as registry.terraform.io/hashicorp/<name>, so the
# throwaway configuration names the provider that way, and dev_overrides maps that
# address to the binary just built. Nothing is installed: no init, no registry.
write_dev_tfrc "${tmp}/dev.tfrc" "registry.terraform.io/hashicorp/placeos"
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
for kind in ephemeral_resource_schemas list_resource_schemas resource_identity_schemas; do
	if ! grep -q "\"${kind}\"" "${tmp}/schema.json"; then
		echo "error: the exported schema has no ${kind}; docs/ would miss them" >&2
		exit 1
	fi
done

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
