package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

var _ datasource.DataSourceWithConfigure = (*apiKeysDataSource)(nil)

type apiKeysDataSource struct{ dataSourceBase }

type apiKeysModel struct {
	apiKeyFilter
	APIKeys types.List `tfsdk:"api_keys"`
}

// apiKeyListItemAttrs is the shape of one listed key: metadata only, never a secret.
var apiKeyListItemAttrs = map[string]attr.Type{
	"id":           types.StringType,
	"name":         types.StringType,
	"description":  types.StringType,
	"user_id":      types.StringType,
	"authority_id": types.StringType,
	"scopes":       types.SetType{ElemType: types.StringType},
	"permissions":  types.StringType,
	"expires_at":   types.StringType,
	"created_at":   types.StringType,
	"updated_at":   types.StringType,
}

func (d *apiKeysDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_api_keys"
}

func (d *apiKeysDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	item := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists API keys: metadata only, never a secret (PlaceOS shows a key's secret once, at create). " +
			"Filters combine; with none, every key the credentials can see, in every domain. Needs admin credentials " +
			"with the `api_keys` (or `api_keys.read`) or `public` scope.",
		Attributes: map[string]schema.Attribute{
			"authority_id": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: filterAuthorityIDDescription,
			},
			"user_id": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: filterUserIDDescription,
			},
			"name_regex": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: filterNameRegexDescription,
				Validators:          []validator.String{validRegex},
			},
			"api_keys": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The matching keys, sorted by name, then id.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":           item("Key id."),
					"name":         item("Name (as PlaceOS stores it)."),
					"description":  item("Description."),
					"user_id":      item("The user the key acts as."),
					"authority_id": item("The key's domain."),
					"scopes": schema.SetAttribute{
						Computed: true, ElementType: types.StringType,
						MarkdownDescription: "Scopes, with the access part lower-cased (`systems.read`).",
					},
					"permissions": item("Permission level: `user`, `support`, `admin` or `admin_support`."),
					"expires_at":  item("Expiry (RFC 3339, UTC), or null for a key that does not expire."),
					"created_at":  item("When the key was created (RFC 3339, UTC)."),
					"updated_at":  item("When the key was last changed (RFC 3339, UTC)."),
				}},
			},
		},
	}
}

func (d *apiKeysDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m apiKeysModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	keys, err := m.list(ctx, d.client)
	if err != nil {
		resp.Diagnostics.AddError("Error Listing API Keys", fmt.Sprintf("Could not list API keys.\n\n%s", describe(err, needAPIKeys)))
		return
	}
	items := make([]attr.Value, 0, len(keys))
	for _, k := range keys {
		name := placeos.PlainText(k.Name)
		scopes := make([]attr.Value, len(k.Scopes))
		for i, s := range k.Scopes {
			scopes[i] = types.StringValue(placeos.CanonicalScope(s))
		}
		obj, diags := types.ObjectValue(apiKeyListItemAttrs, map[string]attr.Value{
			"id":           types.StringValue(k.ID),
			"name":         types.StringValue(name),
			"description":  types.StringValue(placeos.PlainText(k.Description)),
			"user_id":      types.StringValue(k.UserID),
			"authority_id": types.StringValue(k.AuthorityID),
			"scopes":       types.SetValueMust(types.StringType, scopes),
			"permissions":  types.StringValue(placeos.Permission(k.Permissions)),
			"expires_at":   timestamp(k.ExpiresAt.Time),
			"created_at":   timestamp(k.CreatedAt.Time),
			"updated_at":   timestamp(k.UpdatedAt.Time),
		})
		resp.Diagnostics.Append(diags...)
		items = append(items, obj)
	}
	list, diags := types.ListValue(types.ObjectType{AttrTypes: apiKeyListItemAttrs}, items)
	resp.Diagnostics.Append(diags...)
	m.APIKeys = list
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
