package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

// stringRule is a string validator whose check sees each known value; a null or unknown value
// is left to later (Terraform validates again once it is known).
type stringRule struct {
	description string
	check       func(req validator.StringRequest, value string, diags *diag.Diagnostics)
}

func (r stringRule) Description(context.Context) string         { return r.description }
func (r stringRule) MarkdownDescription(context.Context) string { return r.description }

func (r stringRule) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	r.check(req, req.ConfigValue.ValueString(), &resp.Diagnostics)
}

// notBlank rejects strings that are only white space (PlaceOS trims names to nothing, and
// reads an empty id as no id at all). fix says what to write instead.
func notBlank(fix string) stringRule {
	return stringRule{
		description: "must not be empty or only white space",
		check: func(req validator.StringRequest, value string, diags *diag.Diagnostics) {
			if strings.TrimSpace(value) == "" {
				diags.AddAttributeError(req.Path, "Empty Value",
					req.Path.String()+" must not be empty or only white space; "+fix+".")
			}
		},
	}
}

var (
	notBlankName = notBlank("give a name such as \"lobby-panel\"")
	// Fixes for empty ids: leaving the attribute out is what an empty id would have meant.
	notBlankUserID      = notBlank("give a user id (`user-...`, e.g. from the `placeos_user` data source), or leave `user_id` out for the provider's own user")
	notBlankAuthorityID = notBlank("give a domain id (`authority-...`, e.g. from the `placeos_domain` data source), or leave `authority_id` out for the user's domain")
)

// validScope checks one scope string (placeos.ParseScope).
var validScope = scopeRule(placeos.ParseScope)

// validHeldScope also lets through `.all` and `.none`, which a key PlaceOS holds may have
// (placeos.ParseHeldScope); checkScopes refuses them for a new key or a change.
var validHeldScope = scopeRule(placeos.ParseHeldScope)

func scopeRule(parse func(string) (placeos.Scope, error)) stringRule {
	return stringRule{
		description: "a resource name, optionally followed by .read or .write",
		check: func(req validator.StringRequest, value string, diags *diag.Diagnostics) {
			if _, err := parse(value); err != nil {
				diags.AddAttributeError(req.Path, "Invalid Scope", "`scopes`: "+err.Error()+".")
			}
		},
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
		fix := fmt.Sprintf("Use the single entry %q.", c.Meant)
		if c.Meant == "" {
			fix = "Together they grant nothing: remove them."
		}
		details = append(details, fmt.Sprintf("`scopes` names %s more than once (%s). PlaceOS honours only the first entry of a resource, "+
			"and a set has no order, so the key would get less than written. %s",
			c.Resource, strings.Join(quoted, ", "), fix))
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
// the stored value could never match the configuration. It serves the ephemeral resource,
// which always creates, and name_prefix; placeos_api_key checks name and description in
// ModifyPlan (checkText), where it knows whether the text is sent.
func sanitizedText(p textPolicy) stringRule {
	return stringRule{
		description: "no HTML markup or character references (PlaceOS sanitizes the value)",
		check: func(req validator.StringRequest, value string, diags *diag.Diagnostics) {
			if detail, changed := p.change(req.Path, value); changed {
				diags.AddAttributeError(req.Path, textChangeSummary, detail)
			}
		},
	}
}

// textPolicy names how PlaceOS cleans a sanitized attribute, for the message.
type textPolicy string

const (
	namePolicy        textPolicy = "names as plain text"
	descriptionPolicy textPolicy = "descriptions as HTML with an allow-list of tags, and may rewrite them"
)

const textChangeSummary = "Value PlaceOS Would Change"

// change explains how PlaceOS would change value beyond escaping it; changed is false when it
// would only escape it.
func (p textPolicy) change(at path.Path, value string) (detail string, changed bool) {
	kept, why := placeos.TextChange(value)
	if why == "" {
		return "", false
	}
	return fmt.Sprintf("PlaceOS stores %s: it %s, so from %s = %q it would keep %q, and the stored value could never "+
		"match the configuration. Write the plain text instead, such as %q. The characters &, < and > on their "+
		"own are fine: PlaceOS escapes them (`R&D` is stored `r&amp;d`), and the provider compares the text "+
		"without that escaping.", p, why, at, value, kept, strings.TrimSpace(kept)), true
}

var (
	sanitizedName        = sanitizedText(namePolicy)
	sanitizedDescription = sanitizedText(descriptionPolicy)
)

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

// durationAtLeast requires a Go duration of at least the given length (and more than zero).
func durationAtLeast(least time.Duration) stringRule {
	description := "a positive Go duration"
	if least > 0 {
		description = "a Go duration of at least " + least.String()
	}
	return stringRule{
		description: description,
		check: func(req validator.StringRequest, value string, diags *diag.Diagnostics) {
			d, err := time.ParseDuration(value)
			switch {
			case err != nil:
				diags.AddAttributeError(req.Path, "Invalid Duration",
					fmt.Sprintf("%s is %q, which is not a Go duration; write it like \"720h\" or \"90m\" (units h, m, s).",
						req.Path, value))
			case d <= 0 || d < least:
				diags.AddAttributeError(req.Path, "Invalid Duration",
					fmt.Sprintf("%s is %s; it must be %s.", req.Path, d, description))
			}
		},
	}
}

// validRegex requires a valid Go regular expression.
var validRegex = stringRule{
	description: "a Go (RE2) regular expression",
	check: func(req validator.StringRequest, value string, diags *diag.Diagnostics) {
		if _, err := regexp.Compile(value); err != nil {
			diags.AddAttributeError(req.Path, "Invalid Regular Expression",
				fmt.Sprintf("%s is not a valid Go (RE2) regular expression: %v.", req.Path, err))
		}
	},
}

// emailPattern is a loose check (something@something.tld); PlaceOS decides the rest.
var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
