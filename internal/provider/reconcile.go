package provider

import (
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

// reconcileScopes maps the server's scopes onto the spelling in prior (plan or state), so that
// `api_keys.Read` from the server matches `api_keys.read` in the configuration (placeos.SameScope).
func reconcileScopes(prior, server []string) []string {
	out := make([]string, 0, len(server))
	for _, s := range server {
		v := placeos.CanonicalScope(s)
		for _, p := range prior {
			if placeos.SameScope(p, s) {
				v = p
				break
			}
		}
		out = append(out, v)
	}
	return out
}

// reconcileName keeps prior's spelling when PlaceOS only escaped, trimmed or lower-cased it
// (placeos.SameName); otherwise the stored name, unescaped.
func reconcileName(prior types.String, server string) types.String {
	if known(prior) && placeos.SameName(prior.ValueString(), server) {
		return prior
	}
	return types.StringValue(placeos.PlainText(server))
}

// reconcileDescription keeps prior's spelling when PlaceOS only escaped it
// (placeos.SameDescription); otherwise the stored description, unescaped.
func reconcileDescription(prior types.String, server string) types.String {
	if known(prior) && placeos.SameDescription(prior.ValueString(), server) {
		return prior
	}
	return types.StringValue(placeos.PlainText(server))
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
