# shellcheck shell=bash
#
# Terraform and OpenTofu CLIs for the test and demo scripts.
#
# Source it (`source scripts/terraform-cli.sh`) and call the functions below, or
# run it: `scripts/terraform-cli.sh terraform|bin/terraform|tofu` prints the path of
# that CLI, building it first when needed.
#
# Sourcing it:
#   - exports CHECKPOINT_DISABLE=1 (no calls home from any CLI run);
#   - drops TF_CLI_CONFIG_FILE (and the legacy TERRAFORM_CONFIG) when it names a file
#     that does not exist: Terraform ignores that, but OpenTofu prints a warning that
#     breaks terraform-plugin-testing's CLI version check;
#   - defines:
#       ensure_terraform  TERRAFORM_BIN = $TERRAFORM if set, else `terraform` on PATH,
#                         else ./bin/terraform v1.6.6 (built with `go install` when
#                         missing or of another version). Puts its folder first on
#                         PATH so tools that look for `terraform` (tfplugindocs) find it.
#       build_terraform   ./bin/terraform v1.6.6, built or reused.
#       ensure_tofu       TOFU_BIN = ./bin/tofu, of the version that
#                         tools/opentofu/go.mod requires, built or reused.
#       ensure_terraform_latest
#                         TERRAFORM_LATEST_BIN = ./bin/terraform-1.15, Terraform
#                         v1.15 (the newest release line: resource identity, list
#                         resources and `terraform query`), built or reused.
#       cli_version BIN   the version BIN reports, e.g. 1.11.4.
#       cli_describe BIN  e.g. "Terraform v1.11.4 (/usr/local/bin/terraform)".
#       write_dev_tfrc FILE ADDRESS
#                         writes to FILE a CLI configuration whose dev_overrides serve
#                         the provider ADDRESS from ./bin: no init, no registry.
#
# Nothing here downloads a binary from a web site: both CLIs are built from source
# through the Go module proxy, so they work wherever `go` does.

PLACEOS_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PLACEOS_BIN_DIR="${PLACEOS_REPO_ROOT}/bin"

# The Terraform built when none is on PATH: the oldest release the provider supports.
TERRAFORM_FALLBACK_VERSION="1.6.6"

# The newest Terraform the suite also runs with (resource identity needs >= 1.12, list
# resources and `terraform query` >= 1.14): the newest v1.15 release on the Go module proxy.
TERRAFORM_LATEST_VERSION="1.15.9"

export CHECKPOINT_DISABLE=1

if [[ -n "${TF_CLI_CONFIG_FILE:-}" && ! -f "${TF_CLI_CONFIG_FILE}" ]]; then
	unset TF_CLI_CONFIG_FILE
fi
if [[ -n "${TERRAFORM_CONFIG:-}" && ! -f "${TERRAFORM_CONFIG}" ]]; then
	unset TERRAFORM_CONFIG
fi

_tfcli_log() {
	echo "==> $*" >&2
}

# cli_version BIN: the version that BIN prints in `version -json`, without the "v".
cli_version() {
	local out
	out="$("$1" version -json 2>/dev/null)" || return 1
	sed -n 's/^[[:space:]]*"terraform_version":[[:space:]]*"\([^"]*\)".*/\1/p' <<<"${out}"
}

# cli_describe BIN: product, version and path, for headers.
cli_describe() {
	local product="Terraform" out
	# Captured first: piping into `head` could SIGPIPE the CLI and, under pipefail,
	# fail the test.
	out="$("$1" version 2>/dev/null || true)"
	if [[ "${out}" == OpenTofu* ]]; then
		product="OpenTofu"
	fi
	echo "${product} v$(cli_version "$1") ($1)"
}

write_dev_tfrc() {
	cat >"$1" <<EOF
provider_installation {
  dev_overrides {
    "$2" = "${PLACEOS_BIN_DIR}"
  }
  direct {}
}
EOF
}

# The OpenTofu version pinned in tools/opentofu/go.mod.
tofu_wanted_version() {
	sed -n 's#^[[:space:]]*\(require[[:space:]]\{1,\}\)\{0,1\}github.com/opentofu/opentofu[[:space:]]\{1,\}v\([^[:space:]]*\).*#\2#p' \
		"${PLACEOS_REPO_ROOT}/tools/opentofu/go.mod"
}

build_terraform() {
	local bin="${PLACEOS_BIN_DIR}/terraform"
	if [[ -x "${bin}" && "$(cli_version "${bin}" || true)" == "${TERRAFORM_FALLBACK_VERSION}" ]]; then
		return 0
	fi
	_tfcli_log "building Terraform v${TERRAFORM_FALLBACK_VERSION} into ${bin} (takes a few minutes)"
	mkdir -p "${PLACEOS_BIN_DIR}"
	# `go install pkg@version` runs outside our module, with Terraform's own go.mod.
	# version.dev=no, as in release builds: otherwise it reports "1.6.6-dev".
	(cd "${PLACEOS_REPO_ROOT}" && GOBIN="${PLACEOS_BIN_DIR}" \
		go install -ldflags "-X github.com/hashicorp/terraform/version.dev=no" \
		"github.com/hashicorp/terraform@v${TERRAFORM_FALLBACK_VERSION}") || return 1
	local got
	got="$(cli_version "${bin}" || true)"
	if [[ "${got}" != "${TERRAFORM_FALLBACK_VERSION}" ]]; then
		echo "error: ${bin} reports version '${got}', expected ${TERRAFORM_FALLBACK_VERSION}" >&2
		return 1
	fi
}

ensure_terraform() {
	if [[ -n "${TERRAFORM_BIN:-}" && -x "${TERRAFORM_BIN}" ]]; then
		return 0
	fi
	if [[ -n "${TERRAFORM:-}" ]]; then
		TERRAFORM_BIN="$(command -v "${TERRAFORM}")" || {
			echo "error: TERRAFORM=${TERRAFORM} is not an executable" >&2
			return 1
		}
	elif command -v terraform >/dev/null 2>&1; then
		TERRAFORM_BIN="$(command -v terraform)"
	else
		build_terraform || return 1
		TERRAFORM_BIN="${PLACEOS_BIN_DIR}/terraform"
	fi
	case "${TERRAFORM_BIN}" in
	/*) ;;
	*) TERRAFORM_BIN="$(cd "$(dirname "${TERRAFORM_BIN}")" && pwd)/$(basename "${TERRAFORM_BIN}")" ;;
	esac
	local dir
	dir="$(dirname "${TERRAFORM_BIN}")"
	case ":${PATH}:" in
	":${dir}:"*) ;;
	*) PATH="${dir}:${PATH}" ;;
	esac
	export PATH TERRAFORM_BIN
}

ensure_tofu() {
	local bin="${PLACEOS_BIN_DIR}/tofu" want got
	want="$(tofu_wanted_version)"
	if [[ -z "${want}" ]]; then
		echo "error: no github.com/opentofu/opentofu requirement in tools/opentofu/go.mod" >&2
		return 1
	fi
	if [[ ! -x "${bin}" || "$(cli_version "${bin}" || true)" != "${want}" ]]; then
		_tfcli_log "building OpenTofu v${want} into ${bin} (takes a few minutes)"
		mkdir -p "${PLACEOS_BIN_DIR}"
		# tools/opentofu is its own module: it repeats OpenTofu's replace directive,
		# which `go install ...@version` would refuse.
		(cd "${PLACEOS_REPO_ROOT}/tools/opentofu" &&
			go build -buildvcs=false -ldflags "-X github.com/opentofu/opentofu/version.dev=no" \
			-o "${bin}" github.com/opentofu/opentofu/cmd/tofu) || return 1
		got="$(cli_version "${bin}" || true)"
		if [[ "${got}" != "${want}" ]]; then
			echo "error: ${bin} reports version '${got}', expected ${want}" >&2
			return 1
		fi
	fi
	TOFU_BIN="${bin}"
	export TOFU_BIN
}

# The nested modules that Terraform's go.mod replaces with folders which its module zip does
# not contain: nine state backends and internal/legacy, which only they import.
_TERRAFORM_NESTED_BACKENDS=(azure consul cos gcs kubernetes oss pg s3 oci)

# build_terraform_latest: ./bin/terraform-1.15, built or reused. `go install` cannot build
# it (see above), so this builds a writable copy of its module source instead, with the
# nested modules dropped from go.mod and the nine backends from internal/backend/init
# (the local backend, the only one the tests use, stays).
build_terraform_latest() {
	local bin="${PLACEOS_BIN_DIR}/terraform-1.15" want="${TERRAFORM_LATEST_VERSION}"
	if [[ -x "${bin}" && "$(cli_version "${bin}" || true)" == "${want}" ]]; then
		return 0
	fi
	_tfcli_log "building Terraform v${want} into ${bin} (takes a few minutes)"
	mkdir -p "${PLACEOS_BIN_DIR}"
	local modsrc src="${PLACEOS_BIN_DIR}/.src/terraform-${want}"
	modsrc="$(cd "${PLACEOS_REPO_ROOT}" && go mod download -json "github.com/hashicorp/terraform@v${want}" |
		sed -n 's/^[[:space:]]*"Dir":[[:space:]]*"\([^"]*\)".*/\1/p')" || return 1
	if [[ -z "${modsrc}" || ! -d "${modsrc}" ]]; then
		echo "error: go mod download did not fetch github.com/hashicorp/terraform@v${want}" >&2
		return 1
	fi
	rm -rf "${src}"
	mkdir -p "$(dirname "${src}")"
	cp -R "${modsrc}" "${src}" && chmod -R u+w "${src}" || return 1
	local b edits=()
	for b in "${_TERRAFORM_NESTED_BACKENDS[@]}"; do
		edits+=("-droprequire=github.com/hashicorp/terraform/internal/backend/remote-state/${b}"
			"-dropreplace=github.com/hashicorp/terraform/internal/backend/remote-state/${b}")
	done
	edits+=("-droprequire=github.com/hashicorp/terraform/internal/legacy"
		"-dropreplace=github.com/hashicorp/terraform/internal/legacy")
	(cd "${src}" && go mod edit "${edits[@]}") || return 1
	# Each of those backends is one import line and one map entry, both naming its package.
	local init="${src}/internal/backend/init/init.go"
	sed -i -E '/internal\/backend\/remote-state\/(azure|consul|cos|gcs|kubernetes|oss|pg|s3|oci)"|backend(Azure|Consul|Cos|GCS|Kubernetes|OSS|Pg|S3|OCI)\.New\(/d' "${init}" || return 1
	(cd "${src}" && GOFLAGS=-mod=mod go build -buildvcs=false \
		-ldflags "-X github.com/hashicorp/terraform/version.dev=no" -o "${bin}" .) || return 1
	local got
	got="$(cli_version "${bin}" || true)"
	if [[ "${got}" != "${want}" ]]; then
		echo "error: ${bin} reports version '${got}', expected ${want}" >&2
		return 1
	fi
	rm -rf "${src}"
}

ensure_terraform_latest() {
	build_terraform_latest || return 1
	TERRAFORM_LATEST_BIN="${PLACEOS_BIN_DIR}/terraform-1.15"
	export TERRAFORM_LATEST_BIN
}

# Run as a program: print the path of the CLI asked for (and, on stderr, its version).
if [[ "${BASH_SOURCE[0]}" == "${0}" ]]; then
	set -euo pipefail
	case "${1:-}" in
	terraform)
		ensure_terraform
		_tfcli_log "$(cli_describe "${TERRAFORM_BIN}")"
		echo "${TERRAFORM_BIN}"
		;;
	bin/terraform)
		build_terraform
		_tfcli_log "$(cli_describe "${PLACEOS_BIN_DIR}/terraform")"
		echo "${PLACEOS_BIN_DIR}/terraform"
		;;
	terraform-1.15 | bin/terraform-1.15)
		ensure_terraform_latest
		_tfcli_log "$(cli_describe "${TERRAFORM_LATEST_BIN}")"
		echo "${TERRAFORM_LATEST_BIN}"
		;;
	tofu | bin/tofu)
		ensure_tofu
		_tfcli_log "$(cli_describe "${TOFU_BIN}")"
		echo "${TOFU_BIN}"
		;;
	*)
		echo "usage: $0 terraform|bin/terraform|terraform-1.15|tofu" >&2
		exit 2
		;;
	esac
fi
