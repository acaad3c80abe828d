#!/usr/bin/env bash
#
# `make release-check`, and a CI step: the release configuration works and produces what
# the Terraform Registry needs, without signing or publishing anything.
#
#   1. goreleaser check (.goreleaser.yml is valid, no deprecated settings)
#   2. goreleaser release --snapshot --clean --skip=sign,publish  -> dist/
#   3. dist/ holds a zip per platform, named terraform-provider-placeos_<version>_<os>_<arch>.zip,
#      and terraform-provider-placeos_<version>_SHA256SUMS
#   4. one archive (this machine's platform) holds the binary
#      terraform-provider-placeos_v<version>, which starts and says it is a plugin
#   5. every line of SHA256SUMS matches its file (the registry manifest, published as
#      terraform-provider-placeos_<version>_manifest.json, against
#      terraform-registry-manifest.json), and every zip is listed
#   6. the `go mod tidy` hook left go.mod and go.sum as they were
#
# Environment:
#   RELEASE_TARGETS  "host" (the default): build only this machine's platform (a copy of
#                    .goreleaser.yml narrowed to it), which takes well under a minute;
#                    "all": the whole platform matrix of .goreleaser.yml (13 targets: about
#                    30 s with a warm Go build cache, 20+ minutes on 2 busy cores with a
#                    cold one).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/go-tools.sh
source scripts/go-tools.sh

project="terraform-provider-placeos"

fail() {
	echo "error: $*" >&2
	exit 1
}

for cmd in unzip sha256sum; do
	command -v "${cmd}" >/dev/null 2>&1 || fail "${cmd} is needed (Debian: apt-get install unzip coreutils)"
done

ensure_go_tool goreleaser
goreleaser="${GO_TOOL_BIN}"

echo "==> goreleaser check ($(go_tool_version "${goreleaser}"))"
"${goreleaser}" check

work="$(mktemp -d "${TMPDIR:-/tmp}/placeos-release.XXXXXX")"
trap 'rm -rf "${work}"' EXIT

targets="${RELEASE_TARGETS:-host}"
args=(release --snapshot --clean "--skip=sign,publish")
case "${targets}" in
host)
	# `goreleaser release` has no --single-target (only `goreleaser build` does), so the
	# snapshot uses a copy of .goreleaser.yml whose goos and goarch lists hold only this
	# machine's platform; everything else (archives, checksums, manifest) is the real config.
	config="${work}/goreleaser-host.yml"
	awk -v os="$(go env GOOS)" -v arch="$(go env GOARCH)" '
		/^    goos:$/ { print; print "      - " os; skip = 1; next }
		/^    goarch:$/ { print; print "      - " arch; skip = 1; next }
		skip && /^      - / { next }
		{ skip = 0; print }
	' .goreleaser.yml >"${config}"
	[[ "$(grep -c "^      - $(go env GOOS)\$" "${config}")" == 1 ]] ||
		fail "could not narrow .goreleaser.yml to this platform (expected 4-space 'goos:' and 'goarch:' lists)"
	args+=(--config "${config}")
	;;
all) ;;
*) fail "RELEASE_TARGETS must be host or all, not '${targets}'" ;;
esac

mod_before="$(sha256sum go.mod go.sum)"
echo "==> goreleaser ${args[*]} (RELEASE_TARGETS=${targets})"
"${goreleaser}" "${args[@]}"
if [[ "$(sha256sum go.mod go.sum)" != "${mod_before}" ]]; then
	git --no-pager diff -- go.mod go.sum >&2 || true
	fail "the release's \`go mod tidy\` hook changed go.mod/go.sum: run go mod tidy and commit the result"
fi

echo "==> checking dist/"
shopt -s nullglob
sums_files=(dist/"${project}"_*_SHA256SUMS)
((${#sums_files[@]} == 1)) || fail "expected one dist/${project}_<version>_SHA256SUMS, found ${#sums_files[@]}"
sums="${sums_files[0]}"
version="${sums#dist/"${project}"_}"
version="${version%_SHA256SUMS}"
echo "    version ${version}"

zips=(dist/"${project}_${version}"_*.zip)
((${#zips[@]} > 0)) || fail "no dist/${project}_${version}_<os>_<arch>.zip"
if [[ "${targets}" == all ]]; then
	# goos x goarch of .goreleaser.yml (4 x 4), less its two ignored pairs and darwin/arm,
	# which Go does not support.
	want_zips=13
else
	want_zips=1
fi
((${#zips[@]} == want_zips)) || fail "expected ${want_zips} zip archive(s), found ${#zips[@]}: ${zips[*]}"
echo "    ${#zips[@]} zip archive(s)"

host="$(go env GOOS)_$(go env GOARCH)"
archive="dist/${project}_${version}_${host}.zip"
[[ -f "${archive}" ]] || fail "no archive for this platform: ${archive}"
binary="${project}_v${version}"
if [[ "$(go env GOOS)" == windows ]]; then
	binary+=".exe"
fi
listing="$(unzip -Z1 "${archive}")"
grep -qxF "${binary}" <<<"${listing}" ||
	fail "${archive} does not hold ${binary}; it holds: $(tr '\n' ' ' <<<"${listing}")"
if grep -v -xF "${binary}" <<<"${listing}" | grep -q "${project}"; then
	fail "${archive} holds another provider binary besides ${binary}: $(tr '\n' ' ' <<<"${listing}")"
fi
unpacked="${work}/unpacked"
unzip -q "${archive}" "${binary}" -d "${unpacked}"
# A provider started by hand, outside Terraform, says so and exits 1.
if out="$("${unpacked}/${binary}" 2>&1)" || ! grep -q "plugin" <<<"${out}"; then
	fail "${binary} from ${archive} did not start as a Terraform plugin: ${out}"
fi
echo "    ${archive} holds ${binary}, a working plugin binary ($(tr '\n' ' ' <<<"${listing}"))"

manifest_name="${project}_${version}_manifest.json"
grep -q '"6.0"' terraform-registry-manifest.json || fail "terraform-registry-manifest.json does not say protocol 6.0"
lines=0
while read -r sum file; do
	[[ -n "${file}" ]] || continue
	lines=$((lines + 1))
	if [[ "${file}" == "${manifest_name}" && ! -f "dist/${file}" ]]; then
		path="terraform-registry-manifest.json" # published under ${manifest_name}
	else
		path="dist/${file}"
	fi
	[[ -f "${path}" ]] || fail "SHA256SUMS lists ${file}, but there is no ${path}"
	actual="$(sha256sum "${path}" | cut -d' ' -f1)"
	[[ "${actual}" == "${sum}" ]] || fail "SHA256SUMS says ${sum} for ${file}, but ${path} has ${actual}"
done <"${sums}"
for zip in "${zips[@]}"; do
	grep -qE "[[:space:]]$(basename "${zip}")\$" "${sums}" || fail "SHA256SUMS does not list $(basename "${zip}")"
done
grep -qE "[[:space:]]${manifest_name}\$" "${sums}" || fail "SHA256SUMS does not list ${manifest_name}"
echo "    ${sums} matches all ${lines} files (${#zips[@]} zip(s) and ${manifest_name})"

echo "==> release check passed"
