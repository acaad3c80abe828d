package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

var (
	_ ephemeral.EphemeralResourceWithConfigure = (*apiKeyEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithClose     = (*apiKeyEphemeralResource)(nil)
)

const (
	defaultEphemeralPrefix = "terraform-ephemeral-"
	defaultEphemeralTTL    = time.Hour
	privateEphemeralKeyID  = "key_id"
)

// apiKeyEphemeralResource makes a key for one Terraform run: created when Terraform opens it,
// deleted when Terraform closes it, and expiring on the server by itself in case the close
// never comes.
type apiKeyEphemeralResource struct {
	base
	now func() time.Time
}

type apiKeyEphemeralModel struct {
	NamePrefix  types.String `tfsdk:"name_prefix"`
	Description types.String `tfsdk:"description"`
	UserID      types.String `tfsdk:"user_id"`
	Scopes      types.Set    `tfsdk:"scopes"`
	Permissions types.String `tfsdk:"permissions"`
	TTL         types.String `tfsdk:"ttl"`
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	XAPIKey     types.String `tfsdk:"x_api_key"`
	ExpiresAt   types.String `tfsdk:"expires_at"`
}

func (e *apiKeyEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_api_key"
}

func (e *apiKeyEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	e.configure(req.ProviderData, &resp.Diagnostics)
}

func (e *apiKeyEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A short-lived PlaceOS API key for one Terraform run (Terraform >= 1.10, OpenTofu >= 1.11). " +
			"The key is created when Terraform opens the ephemeral resource and deleted when Terraform closes it; " +
			"it is never stored in state or plan. It also expires on the server after `ttl`, in case the run is " +
			"killed before the delete. Terraform opens ephemeral resources in both plan and apply, so a run makes one " +
			"key per phase.",
		Attributes: map[string]schema.Attribute{
			"name_prefix": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Start of the key's name; a timestamp and random characters are appended. Default `" + defaultEphemeralPrefix + "`.",
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 200), notBlankName, sanitizedName},
			},
			"description": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Free text. Default `\"\"`.",
				Validators:          []validator.String{sanitizedDescription},
			},
			"user_id": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Id of the user the key acts as. Default: the user the provider authenticates as.",
				Validators:          []validator.String{notBlankUserID},
			},
			"scopes": schema.SetAttribute{
				ElementType: types.StringType,
				Optional:    true,
				MarkdownDescription: "What the key may reach: resource names, or `<resource>.read` / `<resource>.write`. " +
					"Default `[\"public\"]`. Name each resource once: PlaceOS honours only its first entry.",
				Validators: []validator.Set{setvalidator.SizeAtLeast(1), setvalidator.ValueStringsAre(validScope), scopesFirstMatch{}},
			},
			"permissions": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "`user`, `support`, `admin` or `admin_support`. Default `user`.",
				Validators:          []validator.String{stringvalidator.OneOf(placeos.PermissionLevels...)},
			},
			"ttl": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Lifetime on the server, as a Go duration. Default `1h`.",
				Validators:          []validator.String{durationAtLeast(time.Minute)},
			},
			"id":         schema.StringAttribute{Computed: true, MarkdownDescription: "The key id."},
			"name":       schema.StringAttribute{Computed: true, MarkdownDescription: "The generated name."},
			"x_api_key":  schema.StringAttribute{Computed: true, Sensitive: true, MarkdownDescription: "The key to send as `X-API-Key`: `<id>.<secret>`."},
			"expires_at": schema.StringAttribute{Computed: true, MarkdownDescription: "When the key expires on the server (RFC 3339, UTC)."},
		},
	}
}

func (e *apiKeyEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m apiKeyEphemeralModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	user := e.keyUser(ctx, m.UserID, types.StringNull(), &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ttl := defaultEphemeralTTL
	if known(m.TTL) {
		ttl, _ = time.ParseDuration(m.TTL.ValueString()) // validated
	}
	prefix := defaultEphemeralPrefix
	if known(m.NamePrefix) {
		prefix = m.NamePrefix.ValueString()
	}
	expires := e.now().Add(ttl).UTC().Truncate(time.Second)
	in := placeos.APIKeyCreate{
		Name:        uniqueName(prefix, e.now()),
		Description: m.Description.ValueString(),
		UserID:      user.ID,
		AuthorityID: user.AuthorityID,
		Scopes:      stringsOf(ctx, m.Scopes, &resp.Diagnostics),
		Permissions: m.Permissions.ValueString(),
		ExpiresAt:   &expires,
	}
	if in.Scopes == nil {
		in.Scopes = placeos.DefaultScopes()
	}
	in.Permissions = placeos.Permission(in.Permissions)
	key, err := e.client.CreateAPIKey(ctx, in)
	if err != nil {
		e.createFailed(err, user, in.Name, "Error Creating Ephemeral API Key", &resp.Diagnostics)
		return
	}
	// Private data is JSON; the id is what Close needs to delete the key.
	idJSON, _ := json.Marshal(key.ID)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateEphemeralKeyID, idJSON)...)
	if key.ExpiresAt.IsZero() {
		resp.Diagnostics.AddWarning("PlaceOS Ignored the Expiry",
			fmt.Sprintf("The server created the key %s without an expiry (PlaceOS before June 2026): if this run is killed "+
				"before Terraform closes the ephemeral resource, delete the key yourself.", key.ID))
	}
	m.ID = types.StringValue(key.ID)
	m.Name = types.StringValue(placeos.PlainText(key.Name))
	m.XAPIKey = types.StringValue(key.XAPIKey)
	m.ExpiresAt = timestamp(expires)
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}

func (e *apiKeyEphemeralResource) Close(ctx context.Context, req ephemeral.CloseRequest, resp *ephemeral.CloseResponse) {
	raw, diags := req.Private.GetKey(ctx, privateEphemeralKeyID)
	resp.Diagnostics.Append(diags...)
	var id string
	if len(raw) == 0 || json.Unmarshal(raw, &id) != nil || id == "" {
		return // Open failed before the key was made
	}
	if err := e.client.DeleteAPIKey(ctx, id); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Error Deleting Ephemeral API Key",
			fmt.Sprintf("Could not delete the API key %s at the end of the run; it expires on the server by itself, or "+
				"delete it in Backoffice (Admin > API Keys).\n\n%s", id, describe(err, needAPIKeys)))
	}
}
