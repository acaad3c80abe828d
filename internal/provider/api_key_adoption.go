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

// checkScopes holds what the resource refuses in `scopes` and an adopted key may keep:
//
//   - none (`scopes = []`): a key without scopes reaches nothing. PlaceOS does not require a
//     scope, so a key made through its API may have none.
//   - a resource named more than once (`api_keys.read` and `api_keys.write`): PlaceOS honours
//     only the first entry, which a set cannot order. A key made by hand may have both; an
//     adopted key keeps its scopes, with a warning.
//
// Both are errors for a new key or a change of scopes, at plan time, before any request.
func checkScopes(config apiKeyModel, state *apiKeyModel, diags *diag.Diagnostics) {
	unchanged := state != nil && known(state.ID) && config.Scopes.Equal(state.Scopes)
	if emptySet(config.Scopes) && !unchanged {
		diags.AddAttributeError(path.Root("scopes"), "No Scopes",
			"`scopes` is empty: a key without scopes can reach nothing. Give at least one scope (e.g. `[\"systems.read\"]`), "+
				"or leave `scopes` out for the default `[\"public\"]`. Only a key that PlaceOS already holds without scopes, "+
				"adopted by an import, may keep `scopes = []`.")
	}
	scopes, ok := knownStrings(config.Scopes)
	if !ok {
		return
	}
	for _, detail := range scopeConflictDetails(scopes) {
		if unchanged {
			diags.AddAttributeWarning(path.Root("scopes"), scopeConflictSummary,
				"The key "+state.ID.ValueString()+" already has these scopes in PlaceOS, so they are kept. "+detail)
			continue
		}
		diags.AddAttributeError(path.Root("scopes"), scopeConflictSummary, detail)
	}
}

// emptySet: known, and without elements.
func emptySet(s types.Set) bool { return !s.IsNull() && !s.IsUnknown() && len(s.Elements()) == 0 }
