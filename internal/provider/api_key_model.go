package provider

import (
	"context"
	"strings"

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

// Create and Read run once per key and move the whole model in and out of Terraform's
// values. The framework's struct conversion (Get/Set with tfsdk tags) costs about three times
// as much as going through a types.Object: terraform-plugin-framework v1.19 compiles a regular
// expression per struct field on every conversion. At hundreds of keys that is visible next
// to the no-op floor of `make bench`, so these two go through types.Object with the mapping
// below. TestAPIKeyModelObjectMatchesTags keeps it equal to the tfsdk tags.

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

// fromObject fills the model from an object of apiKeyAttrTypes.
func (m *apiKeyModel) fromObject(o types.Object) {
	a := o.Attributes()
	str := func(name string) types.String {
		v, _ := a[name].(types.String)
		return v
	}
	m.ID, m.Name, m.NamePrefix, m.Description = str("id"), str("name"), str("name_prefix"), str("description")
	m.UserID, m.AuthorityID, m.Permissions = str("user_id"), str("authority_id"), str("permissions")
	m.ExpiresAt, m.TTL, m.RotateBefore = str("expires_at"), str("ttl"), str("rotate_before")
	m.XAPIKey, m.CreatedAt, m.UpdatedAt = str("x_api_key"), str("created_at"), str("updated_at")
	m.Scopes, _ = a["scopes"].(types.Set)
	m.RotationTriggers, _ = a["rotation_triggers"].(types.Map)
}

// getModel is src.Get(ctx, m) for a plan or state of placeos_api_key.
func getModel(ctx context.Context, src interface {
	Get(context.Context, any) diag.Diagnostics
}, m *apiKeyModel) diag.Diagnostics {
	var o types.Object
	diags := src.Get(ctx, &o)
	if !diags.HasError() {
		m.fromObject(o)
	}
	return diags
}

// setModel is dst.Set(ctx, m) for a state of placeos_api_key.
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
	m.Description = types.StringValue(k.Description)
	m.UserID = types.StringValue(k.UserID)
	m.AuthorityID = types.StringValue(k.AuthorityID)
	m.Permissions = types.StringValue(strings.ToLower(k.Permissions))
	if k.Permissions == "" {
		m.Permissions = types.StringValue("user")
	}
	scopes := reconcileScopes(stringsOf(ctx, prior.Scopes, diags), k.Scopes)
	set, d := types.SetValueFrom(ctx, types.StringType, scopes)
	diags.Append(d...)
	m.Scopes = set
	m.ExpiresAt = reconcileTime(prior.ExpiresAt, k.ExpiresAt.Ptr())
	m.CreatedAt = timestamp(k.CreatedAt.Time)
	m.UpdatedAt = timestamp(k.UpdatedAt.Time)
}
