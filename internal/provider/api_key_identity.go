package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ resource.ResourceWithIdentity = (*apiKeyResource)(nil)

// The identity of a placeos_api_key is its id: what an import block's `identity` names
// (Terraform >= 1.12) and what the placeos_api_key list resource reports for each key.
// PlaceOS never changes a key's id, so the identity never changes either.

// IdentitySchema is `{ id }`.
func (r *apiKeyResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = apiKeyIdentitySchema
}

var apiKeyIdentitySchema = identityschema.Schema{
	Attributes: map[string]identityschema.Attribute{
		"id": identityschema.StringAttribute{
			RequiredForImport: true,
			Description:       "The key id (32 hex characters on current servers), as in the resource's `id`.",
		},
	},
}

// setKeyIdentity records the identity of the key id. Every response that carries the key's
// state carries its identity too; the framework gives no identity to set (nil) only when the
// resource has no identity schema.
func setKeyIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, id string, diags *diag.Diagnostics) {
	if identity == nil || id == "" {
		return
	}
	diags.Append(identity.SetAttribute(ctx, path.Root("id"), id)...)
}

// importedKeyID is the id an import names: the import id (`<id>` or `<id>.<secret>`, read by
// parseImportID) or, from an import block's `identity`, the identity's id.
func importedKeyID(ctx context.Context, req resource.ImportStateRequest, diags *diag.Diagnostics) (raw string, ok bool) {
	if req.ID != "" || req.Identity == nil {
		return req.ID, true
	}
	var id types.String
	diags.Append(req.Identity.GetAttribute(ctx, path.Root("id"), &id)...)
	if diags.HasError() {
		return "", false
	}
	return id.ValueString(), true
}
