#!/usr/bin/env bash
#
# End-to-end demo: the real provider binary, driven by the real CLI, against the
# in-memory PlaceOS API (internal/cmd/placeos-dev-server).
#
#   build the provider into ./bin -> start the dev server -> terraform apply ->
#   show outputs -> plan must show no changes -> terraform destroy -> stop the
#   server, which must report that no API key is left behind.
#
# Nothing is downloaded: the CLI config uses dev_overrides to point placeos/placeos
# at ./bin, so `terraform init` is not needed. Everything happens in a temporary
# folder that is removed on exit, also on failure.
#
# Environment:
#   DEMO_CLI   terraform (default) or tofu (./bin/tofu, built when missing).
#   TERRAFORM  Terraform CLI to use (default: `terraform` on PATH, else ./bin/terraform).
#   KEEP_TMP=1 keep the temporary folder (state, server log) for a look afterwards.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$(pwd)"
# shellcheck source=scripts/terraform-cli.sh
source scripts/terraform-cli.sh

step() {
	echo
	echo "==> $*"
}

tmp="$(mktemp -d "${TMPDIR:-/tmp}/placeos-demo.XXXXXX")"
server_pid=""

stop_server() {
	# Stops the dev server and waits for it; its report lands in server.log.
	if [[ -n "${server_pid}" ]] && kill -0 "${server_pid}" 2>/dev/null; then
		kill -TERM "${server_pid}" 2>/dev/null || true
		local i
		for ((i = 0; i < 100; i++)); do
			kill -0 "${server_pid}" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "${server_pid}" 2>/dev/null; then
			echo "dev server did not stop on SIGTERM; killing it" >&2
			kill -KILL "${server_pid}" 2>/dev/null || true
		fi
		wait "${server_pid}" 2>/dev/null || true
	fi
	server_pid=""
}

show_server_log() {
	# The server's own output, without the API key line it prints at start.
	grep -v 'PLACEOS_API_KEY=' "${tmp}/server.log" || true
}

cleanup() {
	local rc=$?
	stop_server
	if ((rc != 0)) && [[ -s "${tmp}/server.log" ]]; then
		echo "--- dev server log (${tmp}/server.log) ---" >&2
		show_server_log | tail -n 50 >&2
	fi
	if [[ "${KEEP_TMP:-}" == "1" ]]; then
		echo "kept ${tmp}" >&2
	else
		rm -rf "${tmp}"
	fi
	if ((rc != 0)); then
		echo "==> demo FAILED (exit ${rc})" >&2
	fi
	exit "${rc}"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

case "${DEMO_CLI:-terraform}" in
terraform)
	ensure_terraform
	cli="${TERRAFORM_BIN}"
	;;
tofu)
	ensure_tofu
	cli="${TOFU_BIN}"
	;;
*)
	echo "DEMO_CLI must be terraform or tofu, not '${DEMO_CLI}'" >&2
	exit 2
	;;
esac
step "using $(cli_describe "${cli}")"

step "building the provider into ${repo}/bin/terraform-provider-placeos"
go build -o bin/terraform-provider-placeos .

step "building and starting the in-memory PlaceOS API (internal/cmd/placeos-dev-server)"
# Built, then run directly rather than with `go run`, so that SIGTERM reaches the
# server itself and it can print its report.
go build -o "${tmp}/placeos-dev-server" ./internal/cmd/placeos-dev-server
"${tmp}/placeos-dev-server" -listen 127.0.0.1:0 -env-file "${tmp}/env" \
	>"${tmp}/server.log" 2>&1 &
server_pid=$!

PLACEOS_URL=""
PLACEOS_API_KEY=""
for ((i = 0; i < 300; i++)); do
	if [[ -f "${tmp}/env" ]]; then
		while IFS= read -r line || [[ -n "${line}" ]]; do
			case "${line}" in
			PLACEOS_URL=*) PLACEOS_URL="${line#PLACEOS_URL=}" ;;
			PLACEOS_API_KEY=*) PLACEOS_API_KEY="${line#PLACEOS_API_KEY=}" ;;
			esac
		done <"${tmp}/env"
		if [[ -n "${PLACEOS_URL}" && -n "${PLACEOS_API_KEY}" ]]; then
			break
		fi
	fi
	if ! kill -0 "${server_pid}" 2>/dev/null; then
		server_pid=""
		echo "the dev server exited before writing ${tmp}/env" >&2
		exit 1
	fi
	sleep 0.1
done
if [[ -z "${PLACEOS_URL}" || -z "${PLACEOS_API_KEY}" ]]; then
	echo "the dev server did not write PLACEOS_URL and PLACEOS_API_KEY to ${tmp}/env within 30s" >&2
	exit 1
fi
export PLACEOS_URL PLACEOS_API_KEY
echo "PLACEOS_URL=${PLACEOS_URL} (PLACEOS_API_KEY set, not shown)"

step "writing a CLI config with dev_overrides for placeos/placeos -> ${repo}/bin"
cat >"${tmp}/cli.tfrc" <<EOF
provider_installation {
  dev_overrides {
    "placeos/placeos" = "${repo}/bin"
  }
  direct {}
}
EOF
export TF_CLI_CONFIG_FILE="${tmp}/cli.tfrc"
# Keep CLI plugin caches and other per-user state out of the way.
unset TF_PLUGIN_CACHE_DIR

step "copying examples/demo to ${tmp}/demo"
cp -R examples/demo "${tmp}/demo"
cd "${tmp}/demo"
export TF_IN_AUTOMATION=1 TF_INPUT=0
color=()
if [[ ! -t 1 ]]; then
	color=(-no-color)
fi

step "$(basename "${cli}") apply -auto-approve (no init needed with dev_overrides)"
"${cli}" apply -auto-approve -input=false "${color[@]}"

step "$(basename "${cli}") output (sensitive values stay hidden)"
"${cli}" output "${color[@]}"

step "$(basename "${cli}") plan -detailed-exitcode: a second plan must show no changes"
set +e
"${cli}" plan -detailed-exitcode -input=false "${color[@]}"
plan_rc=$?
set -e
case "${plan_rc}" in
0) echo "no changes: the configuration and the server agree" ;;
2)
	echo "the plan after apply is not empty (exit 2): the provider does not converge" >&2
	exit 1
	;;
*)
	echo "plan failed (exit ${plan_rc})" >&2
	exit 1
	;;
esac

step "$(basename "${cli}") destroy -auto-approve"
"${cli}" destroy -auto-approve -input=false "${color[@]}"

step "stopping the dev server"
stop_server
show_server_log
left="$(sed -n 's/.*api keys left (besides seeded ones):[[:space:]]*\([0-9][0-9]*\).*/\1/p' "${tmp}/server.log" | tail -n 1)"
if [[ -z "${left}" ]]; then
	echo "the dev server did not report how many api keys were left" >&2
	exit 1
fi
if [[ "${left}" != "0" ]]; then
	echo "destroy left ${left} api key(s) on the server" >&2
	exit 1
fi

step "demo OK: applied, converged, destroyed, and the server has no keys left"
