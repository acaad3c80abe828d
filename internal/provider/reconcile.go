package provider

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

// scopePattern is `resource` or `resource.read` / `resource.write`. PlaceOS also parses
// `.all` and `.none`, but `.all` is the bare resource and `.none` grants nothing.
var scopePattern = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.(?i:read|write))?$`)

// ParseScope checks one scope string and returns its canonical form (access part lower-cased).
func ParseScope(s string) (string, error) {
	if !scopePattern.MatchString(s) {
		return "", fmt.Errorf("%q is not a PlaceOS scope: write a resource name (letters, digits, `_`, `-`), "+
			"optionally followed by `.read` or `.write`, e.g. \"public\", \"api_keys\", \"systems.read\"", s)
	}
	return canonicalScope(s), nil
}

// canonicalScope lower-cases the access part: PlaceOS answers `api_keys.Read` for `api_keys.read`.
func canonicalScope(s string) string {
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		return s[:i] + strings.ToLower(s[i:])
	}
	return s
}

// sameScope compares scopes the way PlaceOS does: case-insensitively.
func sameScope(a, b string) bool { return strings.EqualFold(a, b) }

// reconcileScopes maps the server's scopes onto the spelling in prior (plan or state), so that
// `api_keys.Read` from the server matches `api_keys.read` in the configuration.
func reconcileScopes(prior, server []string) []string {
	out := make([]string, 0, len(server))
	for _, s := range server {
		v := canonicalScope(s)
		for _, p := range prior {
			if sameScope(p, s) {
				v = p
				break
			}
		}
		out = append(out, v)
	}
	return out
}

// sameScopeSet: equal as sets, case-insensitively.
func sameScopeSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		found := false
		for _, y := range b {
			if sameScope(x, y) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// reconcileName keeps prior's spelling when PlaceOS only lower-cased or trimmed it.
func reconcileName(prior types.String, server string) types.String {
	if !prior.IsNull() && !prior.IsUnknown() && placeos.NormalizeName(prior.ValueString()) == placeos.NormalizeName(server) {
		return prior
	}
	return types.StringValue(server)
}

// timestamp formats a server time for state: RFC 3339 in UTC, whole seconds.
func timestamp(t time.Time) types.String {
	if t.IsZero() {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339))
}

// reconcileTime keeps prior's spelling (e.g. a +02:00 offset) when it is the same instant.
func reconcileTime(prior types.String, server *time.Time) types.String {
	if server == nil {
		return types.StringNull()
	}
	if !prior.IsNull() && !prior.IsUnknown() {
		if p, err := time.Parse(time.RFC3339, prior.ValueString()); err == nil && p.Equal(*server) {
			return prior
		}
	}
	return timestamp(*server)
}

// parseExpiry reads an `expires_at` value: RFC 3339 with whole seconds (PlaceOS stores seconds).
func parseExpiry(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time; write it like \"2027-01-31T00:00:00Z\"", s)
	}
	if t.Nanosecond() != 0 {
		return time.Time{}, fmt.Errorf("%q has fractions of a second; PlaceOS stores whole seconds, so drop them", s)
	}
	return t, nil
}
