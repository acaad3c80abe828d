# shellcheck shell=bash
#
# Development tools built from source with the Go toolchain into ./bin, at pinned
# versions. Nothing is downloaded but Go modules (through the module proxy).
#
#   scripts/go-tools.sh TOOL        build TOOL into ./bin unless it is there at the pinned
#                                   version; print its path
#   source scripts/go-tools.sh      then: ensure_go_tool TOOL (sets GO_TOOL_BIN)
#
# TOOL is one of the keys of GO_TOOLS below. A binary in bin/ is reused while the module
# version recorded in it (`go version -m`) is the pinned one, so a pin change rebuilds it.

# The pins: TOOL -> <package>@<version>. The package's module must carry the version.
declare -A GO_TOOLS=(
	[golangci-lint]="github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0"
	[tfplugindocs]="github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs@v0.25.0"
	[goreleaser]="github.com/goreleaser/goreleaser/v2@v2.15.1"
)

GO_TOOLS_BIN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/bin"

# go_tool_version BIN: the version of the main module built into BIN, e.g. v2.15.0.
go_tool_version() {
	go version -m "$1" 2>/dev/null | awk '$1 == "mod" { print $3; exit }'
}

ensure_go_tool() {
	local tool="$1" spec want bin
	spec="${GO_TOOLS[${tool}]:-}"
	if [[ -z "${spec}" ]]; then
		echo "error: unknown tool '${tool}' (known: ${!GO_TOOLS[*]})" >&2
		return 2
	fi
	want="${spec##*@}"
	bin="${GO_TOOLS_BIN_DIR}/${tool}"
	if [[ ! -x "${bin}" || "$(go_tool_version "${bin}")" != "${want}" ]]; then
		echo "==> building ${tool} ${want} into ${bin}" >&2
		mkdir -p "${GO_TOOLS_BIN_DIR}"
		# `go install pkg@version` builds with the tool's own go.mod, outside ours.
		GOBIN="${GO_TOOLS_BIN_DIR}" go install "${spec}" || return 1
		if [[ "$(go_tool_version "${bin}")" != "${want}" ]]; then
			echo "error: ${bin} reports module version '$(go_tool_version "${bin}")', expected ${want}" >&2
			return 1
		fi
	fi
	GO_TOOL_BIN="${bin}"
}

if [[ "${BASH_SOURCE[0]}" == "${0}" ]]; then
	set -euo pipefail
	if [[ $# -ne 1 ]]; then
		echo "usage: $0 ${!GO_TOOLS[*]}" >&2
		exit 2
	fi
	ensure_go_tool "$1"
	echo "${GO_TOOL_BIN}"
fi
