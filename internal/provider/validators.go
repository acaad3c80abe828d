package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

// notBlank rejects strings that are only white space (PlaceOS trims names to nothing, and
// reads an empty id as no id at all). fix says what to write instead; default: a name.
type notBlank struct{ fix string }

func (notBlank) Description(context.Context) string { return "must not be empty or only white space" }
func (v notBlank) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v notBlank) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if strings.TrimSpace(req.ConfigValue.ValueString()) == "" {
		fix := v.fix
		if fix == "" {
			fix = "give a name such as \"lobby-panel\""
		}
		resp.Diagnostics.AddAttributeError(req.Path, "Empty Value",
			req.Path.String()+" must not be empty or only white space; "+fix+".")
	}
}

// Fixes for empty ids: leaving the attribute out is what an empty id would have meant.
var (
	notBlankUserID      = notBlank{fix: "give a user id (`user-...`, e.g. from the `placeos_user` data source), or leave `user_id` out for the provider's own user"}
	notBlankAuthorityID = notBlank{fix: "give a domain id (`authority-...`, e.g. from the `placeos_domain` data source), or leave `authority_id` out for the user's domain"}
)

// scopeValidator checks one scope string (placeos.ParseScope).
type scopeValidator struct{}

func (scopeValidator) Description(context.Context) string {
	return "a resource name, optionally followed by .read or .write"
}
func (v scopeValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (scopeValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := placeos.ParseScope(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Scope", "`scopes`: "+err.Error()+".")
	}
}

// scopesFirstMatch rejects a resource named by more than one scope: PlaceOS honours only the
// first entry of a resource, and a set has no order (placeos.ScopeConflicts).
type scopesFirstMatch struct{}

func (scopesFirstMatch) Description(context.Context) string {
	return "names each resource at most once"
}
func (v scopesFirstMatch) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (scopesFirstMatch) ValidateSet(_ context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	scopes, ok := knownStrings(req.ConfigValue)
	if !ok {
		return // decided once every entry is known
	}
	for _, detail := range scopeConflictDetails(scopes) {
		resp.Diagnostics.AddAttributeError(req.Path, scopeConflictSummary, detail)
	}
}

const scopeConflictSummary = "Resource Named More Than Once in Scopes"

// scopeConflictDetails explains each resource that scopes name more than once.
func scopeConflictDetails(scopes []string) []string {
	var details []string
	for _, c := range placeos.ScopeConflicts(scopes) {
		quoted := make([]string, len(c.Entries))
		for i, e := range c.Entries {
			quoted[i] = fmt.Sprintf("%q", e)
		}
		details = append(details, fmt.Sprintf("`scopes` names %s more than once (%s). PlaceOS honours only the first entry of a resource, "+
			"and a set has no order, so the key would get less than written. Use the single entry %q.",
			c.Resource, strings.Join(quoted, ", "), c.Meant))
	}
	return details
}

// knownStrings is a set's strings; ok is false while the set or an entry is null or unknown.
func knownStrings(v types.Set) (out []string, ok bool) {
	if v.IsNull() || v.IsUnknown() {
		return nil, false
	}
	for _, e := range v.Elements() {
		s, isString := e.(types.String)
		if !isString || !known(s) {
			return nil, false
		}
		out = append(out, s.ValueString())
	}
	return out, true
}

// sanitizedText rejects text that PlaceOS would change beyond escaping (placeos.TextChange):
// the stored value could never match the configuration. what names the policy for the message.
type sanitizedText struct{ what string }

var (
	sanitizedName        = sanitizedText{what: "names as plain text"}
	sanitizedDescription = sanitizedText{what: "descriptions as HTML with an allow-list of tags, and may rewrite them"}
)

func (sanitizedText) Description(context.Context) string {
	return "no HTML markup or character references (PlaceOS sanitizes the value)"
}
func (v sanitizedText) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v sanitizedText) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	kept, why := placeos.TextChange(req.ConfigValue.ValueString())
	if why == "" {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Value PlaceOS Would Change",
		fmt.Sprintf("PlaceOS stores %s: it %s, so from %s = %q it would keep %q, and the stored value could never "+
			"match the configuration. Write the plain text instead, such as %q. The characters &, < and > on their "+
			"own are fine: PlaceOS escapes them (`R&D` is stored `r&amp;d`), and the provider compares the text "+
			"without that escaping.", v.what, why, req.Path, req.ConfigValue.ValueString(), kept, strings.TrimSpace(kept)))
}

// expiresAtPlan plans `expires_at` when it is not configured: with `ttl`, the expiry set at
// create (unknown until then); without, no expiry, so that removing `expires_at` from the
// configuration clears it instead of keeping the old value.
type expiresAtPlan struct{}

func (expiresAtPlan) Description(context.Context) string {
	return "with ttl, set at create; otherwise unset means no expiry"
}
func (m expiresAtPlan) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (expiresAtPlan) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if !req.ConfigValue.IsNull() {
		return
	}
	var ttl types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("ttl"), &ttl)...)
	switch {
	case ttl.IsNull():
		resp.PlanValue = types.StringNull()
	case req.StateValue.IsNull():
		resp.PlanValue = types.StringUnknown()
	default:
		resp.PlanValue = req.StateValue
	}
}

// durationValidator requires a Go duration of at least min (and more than zero).
type durationValidator struct{ min time.Duration }

func (v durationValidator) Description(context.Context) string {
	if v.min > 0 {
		return "a Go duration of at least " + v.min.String()
	}
	return "a positive Go duration"
}
func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v durationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	switch {
	case err != nil:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Duration",
			fmt.Sprintf("%s is %q, which is not a Go duration; write it like \"720h\" or \"90m\" (units h, m, s).",
				req.Path, req.ConfigValue.ValueString()))
	case d <= 0 || d < v.min:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Duration",
			fmt.Sprintf("%s is %s; it must be %s.", req.Path, d, v.Description(context.Background())))
	}
}

// regexValidator requires a valid Go regular expression.
type regexValidator struct{}

func (regexValidator) Description(context.Context) string { return "a Go (RE2) regular expression" }
func (v regexValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (regexValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := regexp.Compile(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Regular Expression",
			fmt.Sprintf("%s is not a valid Go (RE2) regular expression: %v.", req.Path, err))
	}
}

// emailPattern is a loose check (something@something.tld); PlaceOS decides the rest.
var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
