package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
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
//   - `.all` or `.none` (`systems.None`): PlaceOS parses both; it writes `.all` back as the bare
//     resource, and `.none` grants nothing. A configuration writes the bare resource, or leaves
//     the entry out.
//
// All are errors for a new key or a change of scopes, at plan time, before any request.
func checkScopes(config apiKeyModel, state *apiKeyModel, diags *diag.Diagnostics) {
	// Unchanged as PlaceOS compares scopes (`systems.None` is `systems.none`): Update sends none.
	unchanged := state != nil && known(state.ID) && sameScopeSets(config.Scopes, state.Scopes)
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
	if !unchanged {
		for _, sc := range scopes {
			if _, err := placeos.ParseScope(sc); err == nil {
				continue
			}
			held, _ := placeos.ParseHeldScope(sc) // validated by validHeldScope
			fix := fmt.Sprintf("`.all` is the bare resource: write %q", held.Resource)
			if held.Access == placeos.AccessNone {
				fix = "`.none` grants nothing: leave the entry out"
			}
			diags.AddAttributeError(path.Root("scopes"), "Invalid Scope",
				fmt.Sprintf("`scopes`: %q is not a PlaceOS scope that a configuration may ask for; %s. Each scope is a "+
					"resource name, optionally followed by `.read` or `.write`. Only a key that PlaceOS already holds with "+
					"this scope, adopted by an import, may keep it unchanged.", sc, fix))
		}
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

// sameScopeSets: equal, or both known and the same scopes as PlaceOS compares them.
func sameScopeSets(a, b types.Set) bool {
	if a.Equal(b) {
		return true
	}
	as, aok := knownStrings(a)
	bs, bok := knownStrings(b)
	return aok && bok && placeos.SameScopes(as, bs)
}

// emptySet: known, and without elements.
func emptySet(s types.Set) bool { return !s.IsNull() && !s.IsUnknown() && len(s.Elements()) == 0 }

// checkText refuses, in `name` and `description`, text that PlaceOS would change beyond
// escaping it (textPolicy.change), wherever the configuration sends it: for a new key or a
// changed value. (A replacement is planned as a new key: Terraform plans its create again
// without a prior state.) A key that PlaceOS already holds with such text (the description's
// allow-list keeps tags such as `<b>`; a name may hold escaped markup) is adopted with it and
// keeps it while it is unchanged, without a warning: PlaceOS holds what is configured, and no
// request sends it.
func checkText(config apiKeyModel, state *apiKeyModel, diags *diag.Diagnostics) {
	for _, t := range []struct {
		attr          string
		policy        textPolicy
		config, prior types.String
	}{
		{"name", namePolicy, config.Name, stateValue(state, func(m *apiKeyModel) types.String { return m.Name })},
		{"description", descriptionPolicy, config.Description, stateValue(state, func(m *apiKeyModel) types.String { return m.Description })},
	} {
		if !known(t.config) || (state != nil && known(state.ID) && t.config.Equal(t.prior)) {
			continue
		}
		if detail, changed := t.policy.change(path.Root(t.attr), t.config.ValueString()); changed {
			diags.AddAttributeError(path.Root(t.attr), textChangeSummary, detail+
				" Only a key that PlaceOS already holds with this text, adopted by an import, may keep it unchanged.")
		}
	}
}

// stateValue is an attribute of the prior state; null for a new key.
func stateValue(state *apiKeyModel, get func(*apiKeyModel) types.String) types.String {
	if state == nil {
		return types.StringNull()
	}
	return get(state)
}
