#!/usr/bin/env bash
#
# `make validate-examples`, and a CI step: every configuration under examples/ is
# formatted and valid against the provider built from this tree.
#
#   1. terraform fmt -check -recursive examples
#   2. build the provider into ./bin
#   3. for every directory under examples/ that holds *.tf files, with Terraform and
#      then with OpenTofu: `get` (when it calls modules) and `validate`, with a CLI
#      config whose dev_overrides point placeos/placeos at ./bin. No `init`: nothing is
#      installed or downloaded. .terraform/ goes to a temporary TF_DATA_DIR, so the
#      examples stay untouched.
#
# A directory with `ephemeral` blocks needs Terraform >= 1.10 (OpenTofu >= 1.11), and one
# whose `import` blocks name an `identity` needs Terraform >= 1.12: an older Terraform skips
# it, with a note; OpenTofu still validates it. `.tfquery.hcl` files (list blocks) are
# validated by Terraform >= 1.14 (`validate -query`); the others ignore them.
#
# Environment:
#   TERRAFORM        Terraform CLI to use (default: `terraform` on PATH, else ./bin/terraform).
#   VALIDATE_CLIS    which CLIs to validate with, any of "terraform", "terraform-1.15"
#                    (./bin/terraform-1.15, built from source when missing) and "tofu";
#                    default "terraform terraform-1.15 tofu".
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/terraform-cli.sh
source scripts/terraform-cli.sh

version_at_least() {
	[[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" == "$2" ]]
}

read -r -a wanted_clis <<<"${VALIDATE_CLIS:-terraform terraform-1.15 tofu}"
clis=()
for name in "${wanted_clis[@]}"; do
	case "${name}" in
	terraform)
		ensure_terraform
		clis+=("${TERRAFORM_BIN}")
		;;
	terraform-1.15)
		ensure_terraform_latest
		clis+=("${TERRAFORM_LATEST_BIN}")
		;;
	tofu)
		ensure_tofu
		clis+=("${TOFU_BIN}")
		;;
	*)
		echo "VALIDATE_CLIS: unknown CLI '${name}' (terraform, terraform-1.15 or tofu)" >&2
		exit 2
		;;
	esac
done

fmt_cli="${clis[0]}"
echo "==> $(basename "${fmt_cli}") fmt -check -recursive examples"
if ! "${fmt_cli}" fmt -check -recursive -diff examples; then
	echo "error: examples/ is not formatted; run \`make generate\` (or terraform fmt -recursive examples)" >&2
	exit 1
fi

echo "==> building the provider into bin/"
go build -o bin/terraform-provider-placeos .

tmp="$(mktemp -d "${TMPDIR:-/tmp}/placeos-examples.XXXXXX")"
trap 'rm -rf "${tmp}"' EXIT
write_dev_tfrc "${tmp}/dev.tfrc" "placeos/placeos"

mapfile -t dirs < <(find examples -type d -name .terraform -prune -o -type f -name '*.tf' -printf '%h\n' | sort -u)
if ((${#dirs[@]} == 0)); then
	echo "error: no example configurations found under examples/" >&2
	exit 1
fi

failed=()
checked=0
for cli in "${clis[@]}"; do
	version="$(cli_version "${cli}")"
	label="$(basename "${cli}") v${version}"
	echo "==> validating ${#dirs[@]} example directories with $(cli_describe "${cli}")"
	for dir in "${dirs[@]}"; do
		if [[ "$(basename "${cli}")" != tofu* ]] && ! version_at_least "${version}" 1.10.0 &&
			grep -qE '^[[:space:]]*ephemeral[[:space:]]+"' "${dir}"/*.tf; then
			echo "    skip ${dir} (ephemeral resources need Terraform >= 1.10)"
			continue
		fi
		if [[ "$(basename "${cli}")" != tofu* ]] && ! version_at_least "${version}" 1.12.0 &&
			grep -qE '^[[:space:]]*identity[[:space:]]*=' "${dir}"/*.tf; then
			echo "    skip ${dir} (import by identity needs Terraform >= 1.12)"
			continue
		fi
		validate_args=(-no-color)
		if [[ "$(basename "${cli}")" != tofu* ]] && version_at_least "${version}" 1.14.0 &&
			compgen -G "${dir}/*.tfquery.hcl" >/dev/null; then
			validate_args+=(-query)
		fi
		data_dir="${tmp}/data/$(basename "${cli}")/${dir//\//_}"
		mkdir -p "${data_dir}"
		out="${tmp}/out"
		ok=1
		if grep -qE '^[[:space:]]*module[[:space:]]+"' "${dir}"/*.tf; then
			(cd "${dir}" && TF_CLI_CONFIG_FILE="${tmp}/dev.tfrc" TF_DATA_DIR="${data_dir}" \
				"${cli}" get -no-color) >"${out}" 2>&1 || ok=0
		fi
		if ((ok)); then
			(cd "${dir}" && TF_CLI_CONFIG_FILE="${tmp}/dev.tfrc" TF_DATA_DIR="${data_dir}" \
				"${cli}" validate "${validate_args[@]}") >"${out}" 2>&1 || ok=0
		fi
		checked=$((checked + 1))
		if ((ok)); then
			echo "    ok   ${dir}"
		else
			echo "    FAIL ${dir}"
			sed 's/^/         /' "${out}"
			failed+=("${dir} (${label})")
		fi
	done
done

if ((${#failed[@]} > 0)); then
	echo "==> invalid examples:" >&2
	printf '    %s\n' "${failed[@]}" >&2
	exit 1
fi
echo "==> ${checked} example validations passed"
