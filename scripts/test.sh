#!/usr/bin/env bash
#
# The whole test suite, as `make test` and CI run it:
#   1. go vet ./...
#   2. go test ./... with Terraform driving the provider tests
#   3. go test ./internal/provider/ again with Terraform 1.15, the newest release line, where
#      the resource identity and `terraform query` tests run (they skip, saying why, on
#      CLIs without those features)
#   4. go test ./... again with OpenTofu
#   5. go test -race on the API client and the in-memory PlaceOS API
# Every pass runs even if an earlier one failed; the script fails if any did.
#
# The provider tests run the provider in-process (terraform-plugin-testing's
# ProtoV6ProviderFactories) against the in-memory PlaceOS API: no provider is
# downloaded and no real server is needed (that is `make testacc`).
#
# Environment:
#   TERRAFORM     Terraform CLI for pass 2 (default: `terraform` on PATH, else
#                 ./bin/terraform v1.6.6, built from source). Pass 3 always uses
#                 ./bin/terraform-1.15, built from source on the first run.
#   GO_TEST_FLAGS extra flags for every `go test` (e.g. "-run TestAPIKey -v").
# PLACEOS_URL is unset here: the acceptance tests against a real server (TestAcc*) then skip,
# so this suite never leaves the in-memory API, whatever the caller's environment holds.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
unset PLACEOS_URL
# shellcheck source=scripts/terraform-cli.sh
source scripts/terraform-cli.sh

ensure_terraform
ensure_terraform_latest
ensure_tofu

read -r -a extra_flags <<<"${GO_TEST_FLAGS:-}"
go_test=(go test -count=1 -timeout=30m "${extra_flags[@]}")

# The provider tests serve the provider under its real address, placeos/placeos
# (TestMain in internal/provider sets TF_ACC_PROVIDER_NAMESPACE, and for OpenTofu
# TF_ACC_PROVIDER_HOST, unless the caller did), so every test configuration starts
# with a required_providers block naming that source.

failed=()

echo "==> go vet ./..."
if ! go vet ./...; then
	failed+=("go vet")
fi

echo
echo "==> go test ./... with $(cli_describe "${TERRAFORM_BIN}")"
if ! TF_ACC_TERRAFORM_PATH="${TERRAFORM_BIN}" \
	"${go_test[@]}" ./...; then
	failed+=("go test with Terraform")
fi

# Only the provider tests drive a CLI; the other packages were tested in pass 2.
echo
echo "==> go test ./internal/provider/ with $(cli_describe "${TERRAFORM_LATEST_BIN}")"
if ! TF_ACC_TERRAFORM_PATH="${TERRAFORM_LATEST_BIN}" \
	"${go_test[@]}" ./internal/provider/; then
	failed+=("go test with Terraform $(cli_version "${TERRAFORM_LATEST_BIN}")")
fi

echo
echo "==> go test ./... with $(cli_describe "${TOFU_BIN}")"
# OpenTofu puts provider addresses without a host (such as the implicit
# hashicorp/placeos) on registry.opentofu.org, not registry.terraform.io, so the
# in-process provider must be registered under that host, or `tofu init` tries to
# download it from the registry.
if ! TF_ACC_TERRAFORM_PATH="${TOFU_BIN}" \
	TF_ACC_PROVIDER_HOST=registry.opentofu.org \
	"${go_test[@]}" ./...; then
	failed+=("go test with OpenTofu")
fi

race_pkgs=()
for dir in internal/placeos internal/placeostest; do
	if [[ -d "${dir}" ]]; then
		race_pkgs+=("./${dir}/...")
	fi
done
if ((${#race_pkgs[@]} > 0)); then
	echo
	echo "==> go test -race ${race_pkgs[*]}"
	if ! "${go_test[@]}" -race "${race_pkgs[@]}"; then
		failed+=("go test -race")
	fi
fi

echo
if ((${#failed[@]} > 0)); then
	printf '==> FAILED: %s\n' "${failed[@]}"
	exit 1
fi
echo "==> all passes succeeded (go vet, Terraform, Terraform $(cli_version "${TERRAFORM_LATEST_BIN}"), OpenTofu, race)"
