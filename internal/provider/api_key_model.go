package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

// apiKeyModel is the state of one placeos_api_key.
type apiKeyModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	NamePrefix  types.String `tfsdk:"name_prefix"`
	Description types.String `tfsdk:"description"`
	UserID      types.String `tfsdk:"user_id"`
	AuthorityID types.String `tfsdk:"authority_id"`
	Scopes      types.Set    `tfsdk:"scopes"`
	Permissions types.String `tfsdk:"permissions"`
	ExpiresAt   types.String `tfsdk:"expires_at"`
	TTL         types.String `tfsdk:"ttl"`
	// RotateBefore and RotationTriggers only steer plans; PlaceOS never sees them.
	RotateBefore     types.String `tfsdk:"rotate_before"`
	RotationTriggers types.Map    `tfsdk:"rotation_triggers"`
	XAPIKey          types.String `tfsdk:"x_api_key"`
	CreatedAt        types.String `tfsdk:"created_at"`
	UpdatedAt        types.String `tfsdk:"updated_at"`
}

// Every RPC of placeos_api_key reads and writes the whole model, one way: getModel and
// setModel convert it through a types.Object with the mapping below. (Two writes are of single
// values, as the framework intends them: ModifyPlan marks a planned value unknown, and
// ImportState sets the id it was given.) The framework's struct
// conversion (Get/Set with tfsdk tags) costs about three times as much: terraform-plugin-framework
// v1.19 compiles a regular expression per struct field on every conversion, which `make bench`
// shows at hundreds of keys next to its no-op floor. TestAPIKeyModelObjectMatchesTags keeps the
// mapping equal to the tfsdk tags.

// apiKeyAttrTypes are the attribute types of placeos_api_key, from its schema.
var apiKeyAttrTypes = func() map[string]attr.Type {
	return APIKeyResourceSchema(context.Background()).Type().(types.ObjectType).AttrTypes //nolint:forcetypeassert // a resource schema's type is an object
}()

func (m *apiKeyModel) attributes() map[string]attr.Value {
	return map[string]attr.Value{
		"id": m.ID, "name": m.Name, "name_prefix": m.NamePrefix, "description": m.Description,
		"user_id": m.UserID, "authority_id": m.AuthorityID, "scopes": m.Scopes, "permissions": m.Permissions,
		"expires_at": m.ExpiresAt, "ttl": m.TTL, "rotate_before": m.RotateBefore,
		"rotation_triggers": m.RotationTriggers, "x_api_key": m.XAPIKey, "created_at": m.CreatedAt, "updated_at": m.UpdatedAt,
	}
}

// apiKeyModelFrom reads an object of apiKeyAttrTypes. An attribute that is missing or of
// another type is an error, never a zero value.
func apiKeyModelFrom(o types.Object) (apiKeyModel, diag.Diagnostics) {
	a := o.Attributes()
	var diags diag.Diagnostics
	str := func(name string) types.String { return attrOf[types.String](a, name, &diags) }
	m := apiKeyModel{
		ID: str("id"), Name: str("name"), NamePrefix: str("name_prefix"), Description: str("description"),
		UserID: str("user_id"), AuthorityID: str("authority_id"), Permissions: str("permissions"),
		Scopes:    attrOf[types.Set](a, "scopes", &diags),
		ExpiresAt: str("expires_at"), TTL: str("ttl"), RotateBefore: str("rotate_before"),
		RotationTriggers: attrOf[types.Map](a, "rotation_triggers", &diags),
		XAPIKey:          str("x_api_key"), CreatedAt: str("created_at"), UpdatedAt: str("updated_at"),
	}
	if len(a) != len(apiKeyAttrTypes) {
		diags.AddError("Unexpected API Key Attributes",
			fmt.Sprintf("The provider read %d attributes of placeos_api_key where its schema has %d. This is a bug in "+
				"the provider; please report it.", len(a), len(apiKeyAttrTypes)))
	}
	if diags.HasError() {
		return apiKeyModel{}, diags
	}
	return m, diags
}

// getModel reads a whole configuration, plan or state of placeos_api_key into m. m is only
// written when every attribute was read: it is never left partly filled.
func getModel(ctx context.Context, src interface {
	Get(context.Context, any) diag.Diagnostics
}, m *apiKeyModel) diag.Diagnostics {
	var o types.Object
	diags := src.Get(ctx, &o)
	if diags.HasError() {
		return diags
	}
	read, d := apiKeyModelFrom(o)
	if diags.Append(d...); !diags.HasError() {
		*m = read
	}
	return diags
}

// setModel writes the whole model to a plan or state of placeos_api_key.
func setModel(ctx context.Context, dst interface {
	Set(context.Context, any) diag.Diagnostics
}, m *apiKeyModel) diag.Diagnostics {
	o, diags := types.ObjectValue(apiKeyAttrTypes, m.attributes())
	if diags.HasError() {
		return diags
	}
	return append(diags, dst.Set(ctx, o)...)
}

// setFromAPI maps a key from PlaceOS onto the model. prior (plan or state) supplies the
// user's spelling where PlaceOS only normalised it: names, scopes and expiry times.
func (m *apiKeyModel) setFromAPI(ctx context.Context, k *placeos.APIKey, prior apiKeyModel, diags *diag.Diagnostics) {
	m.ID = types.StringValue(k.ID)
	m.Name = reconcileName(prior.Name, k.Name)
	m.Description = reconcileDescription(prior.Description, k.Description)
	m.UserID = types.StringValue(k.UserID)
	m.AuthorityID = types.StringValue(k.AuthorityID)
	m.Permissions = types.StringValue(placeos.Permission(k.Permissions))
	scopes := reconcileScopes(stringsOf(ctx, prior.Scopes, diags), k.Scopes)
	set, d := types.SetValueFrom(ctx, types.StringType, scopes)
	diags.Append(d...)
	m.Scopes = set
	m.ExpiresAt = reconcileTime(prior.ExpiresAt, k.ExpiresAt.Ptr())
	m.CreatedAt = timestamp(k.CreatedAt.Time)
	m.UpdatedAt = timestamp(k.UpdatedAt.Time)
}
