package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// What a key made outside Terraform may hold that a configuration would not be allowed to
// ask for. An adopted key is configured with the values PlaceOS holds (that is what
// `terraform query -generate-config-out` writes), so such a value is accepted as long as it
// stays unchanged, and refused for a new key or a change.

// checkScopesNotEmpty refuses `scopes = []` for a new key or a change of scopes: a key
// without scopes reaches nothing. PlaceOS does not require a scope, so a key made through its
// API may have none; adopted with `scopes = []`, it keeps them.
func checkScopesNotEmpty(config apiKeyModel, state *apiKeyModel, diags *diag.Diagnostics) {
	if !emptySet(config.Scopes) {
		return
	}
	if state != nil && emptySet(state.Scopes) {
		return // an adopted key without scopes, unchanged
	}
	diags.AddAttributeError(path.Root("scopes"), "No Scopes",
		"`scopes` is empty: a key without scopes can reach nothing. Give at least one scope (e.g. `[\"systems.read\"]`), "+
			"or leave `scopes` out for the default `[\"public\"]`. Only a key that PlaceOS already holds without scopes, "+
			"adopted by an import, may keep `scopes = []`.")
}

// emptySet: known, and without elements.
func emptySet(s types.Set) bool { return !s.IsNull() && !s.IsUnknown() && len(s.Elements()) == 0 }
