package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// notBlank rejects strings that are only white space (PlaceOS trims names to nothing).
type notBlank struct{}

func (notBlank) Description(context.Context) string { return "must not be empty or only white space" }
func (v notBlank) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (notBlank) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if strings.TrimSpace(req.ConfigValue.ValueString()) == "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Empty Value",
			req.Path.String()+" must not be empty or only white space; give a name such as \"lobby-panel\".")
	}
}

// scopeValidator checks one scope string (see ParseScope).
type scopeValidator struct{}

func (scopeValidator) Description(context.Context) string {
	return "a resource name, optionally followed by .read or .write"
}
func (v scopeValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (scopeValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := ParseScope(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Scope", "`scopes`: "+err.Error()+".")
	}
}

// expiresAtPlan plans `expires_at`: the configured value, or no expiry when it is not set (so
// removing it from the configuration clears the expiry instead of keeping the old one).
type expiresAtPlan struct{}

func (expiresAtPlan) Description(context.Context) string {
	return "unset means no expiry"
}
func (m expiresAtPlan) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (expiresAtPlan) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.ConfigValue.IsNull() {
		resp.PlanValue = types.StringNull()
	}
}
