package provider

import (
	"context"
	"fmt"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

var _ list.ListResourceWithConfigure = (*apiKeyListResource)(nil)

// apiKeyListResource is the list resource placeos_api_key: `list "placeos_api_key"` blocks in
// .tfquery.hcl files (Terraform >= 1.14) find existing keys, and `terraform query
// -generate-config-out=FILE` writes an import and a resource block for each.
type apiKeyListResource struct {
	resourceBase
}

// apiKeyFilter is what placeos_api_keys (data source) and placeos_api_key (list resource)
// select keys by.
type apiKeyFilter struct {
	AuthorityID types.String `tfsdk:"authority_id"`
	UserID      types.String `tfsdk:"user_id"`
	NameRegex   types.String `tfsdk:"name_regex"`
}

// The filters' descriptions, shared by the data source and the list resource.
const (
	filterAuthorityIDDescription = "Only keys of this domain (`authority-...`)."
	filterUserIDDescription      = "Only keys that act as this user (`user-...`)."
	filterNameRegexDescription   = "Only keys whose name matches this regular expression (Go RE2 syntax; PlaceOS " +
		"stores names lower-cased, so add `(?i)` to match either case)."
)

// list fetches the keys that match, in the order PlaceOS lists them.
func (f apiKeyFilter) list(ctx context.Context, client *placeos.Client) ([]placeos.APIKey, error) {
	var nameRE *regexp.Regexp
	if known(f.NameRegex) {
		nameRE = regexp.MustCompile(f.NameRegex.ValueString()) // validated by validRegex
	}
	keys, err := client.ListAPIKeys(ctx, placeos.ListAPIKeysOptions{AuthorityID: f.AuthorityID.ValueString()})
	if err != nil {
		return nil, err
	}
	out := keys[:0]
	for _, k := range keys {
		if (known(f.UserID) && k.UserID != f.UserID.ValueString()) || (nameRE != nil && !nameRE.MatchString(placeos.PlainText(k.Name))) {
			continue
		}
		out = append(out, k)
	}
	return out, nil
}

func (l *apiKeyListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_api_key"
}

func (l *apiKeyListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listschema.Schema{
		MarkdownDescription: "Finds existing API keys, for `terraform query` (Terraform 1.14 and later), so that keys made " +
			"by hand can be imported in bulk. Each result is a key's identity (its `id`) with its name as the display " +
			"name; with `include_resource = true`, also the key as a `placeos_api_key` resource would hold it after an " +
			"import by id. A key's secret is never listed: PlaceOS shows it once, at create. Filters combine; with none, " +
			"every key the credentials can see, in every domain. Needs admin credentials with the `api_keys` (or " +
			"`api_keys.read`) or `public` scope.",
		Attributes: map[string]listschema.Attribute{
			"authority_id": listschema.StringAttribute{Optional: true, MarkdownDescription: filterAuthorityIDDescription},
			"user_id":      listschema.StringAttribute{Optional: true, MarkdownDescription: filterUserIDDescription},
			"name_regex": listschema.StringAttribute{
				Optional:            true,
				MarkdownDescription: filterNameRegexDescription,
				Validators:          []validator.String{validRegex},
			},
		},
	}
}

func (l *apiKeyListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var f apiKeyFilter
	if diags := req.Config.Get(ctx, &f); diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	stream.Results = func(push func(list.ListResult) bool) {
		keys, err := f.list(ctx, l.client)
		if err != nil {
			var r list.ListResult
			r.Diagnostics.AddError("Error Listing API Keys", fmt.Sprintf("Could not list API keys.\n\n%s", describe(err, needAPIKeys)))
			push(r)
			return
		}
		for i := range keys {
			if req.Limit > 0 && int64(i) >= req.Limit {
				return
			}
			if !push(listResult(ctx, req, &keys[i])) {
				return
			}
		}
	}
}

// listResult is one key: its identity, its name, and with include_resource the state that
// an import by id followed by a refresh would give (so that configuration generated from it
// plans no change after the import).
func listResult(ctx context.Context, req list.ListRequest, k *placeos.APIKey) list.ListResult {
	r := req.NewListResult(ctx)
	r.DisplayName = placeos.PlainText(k.Name) // as in the key's state: `r&d`, not the stored `r&amp;d`
	setKeyIdentity(ctx, r.Identity, k.ID, &r.Diagnostics)
	if req.IncludeResource {
		m := importedAPIKeyModel()
		m.setFromAPI(ctx, k, m, &r.Diagnostics)
		r.Diagnostics.Append(setModel(ctx, r.Resource, &m)...)
	}
	return r
}

// importedAPIKeyModel is the state of a key imported by id, before its first refresh: the id
// (set by setFromAPI) and nothing else.
func importedAPIKeyModel() apiKeyModel {
	null := types.StringNull()
	return apiKeyModel{
		ID: null, Name: null, NamePrefix: null, Description: null, UserID: null, AuthorityID: null,
		Scopes: types.SetNull(types.StringType), Permissions: null, ExpiresAt: null, TTL: null,
		RotateBefore: null, RotationTriggers: types.MapNull(types.StringType), XAPIKey: null,
		CreatedAt: null, UpdatedAt: null,
	}
}
