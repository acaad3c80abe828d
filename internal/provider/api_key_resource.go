package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

var (
	_ resource.ResourceWithConfigure      = (*apiKeyResource)(nil)
	_ resource.ResourceWithImportState    = (*apiKeyResource)(nil)
	_ resource.ResourceWithValidateConfig = (*apiKeyResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*apiKeyResource)(nil)
)

var permissionLevels = []string{"user", "support", "admin", "admin_support"}

type apiKeyResource struct {
	resourceBase
	now func() time.Time
}

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
	XAPIKey     types.String `tfsdk:"x_api_key"`
	CreatedAt   types.String `tfsdk:"created_at"`
	UpdatedAt   types.String `tfsdk:"updated_at"`
}

func (r *apiKeyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_api_key"
}

func (r *apiKeyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A PlaceOS API key (Backoffice: Admin > API Keys). The key itself (`x_api_key`) is shown by " +
			"PlaceOS once, at create: it is kept in state as a sensitive value and can never be read back. " +
			"Removing the resource deletes the key.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The key id (32 hex characters on current servers).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Name of the key, unique within the domain. Exactly one of `name` and `name_prefix`. " +
					"PlaceOS stores names lower-cased and trimmed; a name that differs only in case or surrounding space " +
					"shows no diff. Changing it updates the key in place.",
				Validators: []validator.String{
					stringvalidator.ExactlyOneOf(path.MatchRoot("name_prefix")),
					stringvalidator.LengthBetween(1, 255),
					notBlank{},
				},
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name_prefix": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Creates a unique name that starts with this prefix (a timestamp and random " +
					"characters are appended; the result is in `name`). Lets `create_before_destroy` replace a key while " +
					"the old one still exists, despite unique names. Changing it replaces the key.",
				Validators:    []validator.String{stringvalidator.LengthBetween(1, 200), notBlank{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"description": schema.StringAttribute{
				Optional: true, Computed: true,
				Default:             stringdefault.StaticString(""),
				MarkdownDescription: "Free text. Default `\"\"`. Changing it updates the key in place.",
			},
			"user_id": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Id of the user the key acts as (`user-...`). Default: the user the provider " +
					"authenticates as. Checked to exist before create. Changing it replaces the key.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
			},
			"authority_id": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Id of the domain the key belongs to (`authority-...`). PlaceOS takes it from the " +
					"user; when set, the user must belong to this domain or the create fails before anything is made. " +
					"Changing it replaces the key.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
			},
			"scopes": schema.SetAttribute{
				ElementType: types.StringType,
				Optional:    true, Computed: true,
				Default: setdefault.StaticValue(types.SetValueMust(types.StringType, []attr.Value{types.StringValue("public")})),
				MarkdownDescription: "What the key may reach, within `permissions`. Each is a resource name (full access) or " +
					"`<resource>.read` / `<resource>.write`. Default `[\"public\"]`: every route the permission level allows. " +
					"Compared case-insensitively. Changing them updates the key in place.",
				Validators: []validator.Set{
					setvalidator.SizeAtLeast(1),
					setvalidator.ValueStringsAre(scopeValidator{}),
				},
			},
			"permissions": schema.StringAttribute{
				Optional: true, Computed: true,
				Default: stringdefault.StaticString("user"),
				MarkdownDescription: "Permission level of the key: `user`, `support`, `admin` or `admin_support`. Default " +
					"`user`. It replaces the user's own level (a `user` key of a sys_admin is not an admin). Changing it " +
					"updates the key in place.",
				Validators: []validator.String{stringvalidator.OneOf(permissionLevels...)},
			},
			"expires_at": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "When the key stops working, RFC 3339 with whole seconds (e.g. `2027-01-31T00:00:00Z`). " +
					"Must be in the future at plan time. Unset: the key never expires (removing it clears the expiry). " +
					"Changing it updates the key in place. Needs a PlaceOS server from June 2026 or later.",
				PlanModifiers: []planmodifier.String{expiresAtPlan{}},
			},
			"x_api_key": schema.StringAttribute{
				Computed: true, Sensitive: true,
				MarkdownDescription: "The key to send as the `X-API-Key` header: `<id>.<secret>`. Set once, at create; " +
					"refresh never changes it. Null after an import by id.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"created_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "When the key was created (RFC 3339, UTC).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"updated_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "When the key was last changed (RFC 3339, UTC).",
			},
		},
	}
}

// ValidateConfig catches at plan time what PlaceOS would reject, or answer with a bare 500.
func (r *apiKeyResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m apiKeyModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !m.ExpiresAt.IsNull() && !m.ExpiresAt.IsUnknown() {
		t, err := parseExpiry(m.ExpiresAt.ValueString())
		switch {
		case err != nil:
			resp.Diagnostics.AddAttributeError(path.Root("expires_at"), "Invalid Expiry Time", "`expires_at` "+err.Error()+".")
		case !t.After(r.now()):
			resp.Diagnostics.AddAttributeError(path.Root("expires_at"), "Expiry Time in the Past",
				fmt.Sprintf("`expires_at` is %s, which is not in the future; PlaceOS rejects a key that has already "+
					"expired. Give a later time, or remove `expires_at` for a key that does not expire.", m.ExpiresAt.ValueString()))
		}
	}
	if !m.Scopes.IsNull() && !m.Scopes.IsUnknown() {
		var scopes []types.String
		resp.Diagnostics.Append(m.Scopes.ElementsAs(ctx, &scopes, false)...)
		seen := map[string]string{}
		for _, s := range scopes {
			if s.IsUnknown() || s.IsNull() {
				continue
			}
			key := strings.ToLower(s.ValueString())
			if other, ok := seen[key]; ok {
				resp.Diagnostics.AddAttributeError(path.Root("scopes"), "Duplicate Scope",
					fmt.Sprintf("`scopes` holds %q and %q, which PlaceOS treats as the same scope; keep one.", other, s.ValueString()))
			}
			seen[key] = s.ValueString()
		}
	}
}

// ModifyPlan marks updated_at unknown for an in-place update. The framework does that only when
// the proposed plan differs from state, which misses changes made by attribute plan modifiers
// (such as clearing expires_at).
func (r *apiKeyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() || req.Plan.Raw.Equal(req.State.Raw) {
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("updated_at"), types.StringUnknown())...)
}

func (r *apiKeyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan apiKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}

	user := r.keyUser(ctx, plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	name := plan.Name.ValueString()
	if plan.Name.IsUnknown() || plan.Name.IsNull() {
		name = uniqueName(plan.NamePrefix.ValueString(), r.now())
		plan.Name = types.StringValue(name)
	}
	in := placeos.APIKeyCreate{
		Name:        name,
		Description: plan.Description.ValueString(),
		UserID:      user.ID,
		Permissions: plan.Permissions.ValueString(),
		AuthorityID: user.AuthorityID,
	}
	in.Scopes = stringsOf(ctx, plan.Scopes, &resp.Diagnostics)
	if !plan.ExpiresAt.IsNull() && !plan.ExpiresAt.IsUnknown() {
		t, err := parseExpiry(plan.ExpiresAt.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("expires_at"), "Invalid Expiry Time", "`expires_at` "+err.Error()+".")
			return
		}
		in.ExpiresAt = &t
	}

	key, err := r.client.CreateAPIKey(ctx, in)
	if errors.Is(err, placeos.ErrNameTaken) {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "API Key Name Already Taken", r.nameTakenDetail(ctx, in))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error Creating API Key", fmt.Sprintf("Could not create the API key %q.\n\n%s", name, describe(err, needAPIKeys)))
		return
	}
	if in.ExpiresAt != nil && key.ExpiresAt.IsZero() {
		resp.Diagnostics.AddAttributeWarning(path.Root("expires_at"), "PlaceOS Ignored the Expiry",
			fmt.Sprintf("The server created the key %s without an expiry: PlaceOS servers older than June 2026 do not "+
				"support `expires_at`, so this key does not expire. Upgrade PlaceOS, or remove `expires_at` and delete the "+
				"key yourself when it is no longer needed.", key.ID))
		key.ExpiresAt = placeos.EpochTime{Time: *in.ExpiresAt}
	}

	state := plan
	state.setFromAPI(ctx, key, plan, &resp.Diagnostics)
	state.XAPIKey = types.StringValue(key.XAPIKey)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// keyUser resolves the user a new key acts as and checks the domain: PlaceOS answers an unknown
// user with a bare 500, and silently takes the domain from the user.
func (r *apiKeyResource) keyUser(ctx context.Context, plan apiKeyModel, diags *diag.Diagnostics) *placeos.User {
	if plan.UserID.IsNull() || plan.UserID.IsUnknown() {
		u, err := r.client.CurrentUser(ctx)
		if err != nil {
			diags.AddError("Error Reading the Provider's User",
				"`user_id` is not set, so the key would act as the user the provider authenticates as, but that user "+
					"could not be read.\n\n"+describe(err, needUsers))
			return nil
		}
		return r.checkAuthority(ctx, u, plan, diags)
	}
	u, err := r.client.GetUser(ctx, plan.UserID.ValueString())
	switch {
	case placeos.IsNotFound(err):
		diags.AddAttributeError(path.Root("user_id"), "Unknown User",
			fmt.Sprintf("PlaceOS has no user %q. Give the id of an existing user (`user-...`), for example from the "+
				"`placeos_user` data source, or leave `user_id` unset for the provider's own user.", plan.UserID.ValueString()))
		return nil
	case err != nil:
		diags.AddAttributeError(path.Root("user_id"), "Error Reading User",
			fmt.Sprintf("Could not check the user %q before creating the key.\n\n%s", plan.UserID.ValueString(), describe(err, needUsers)))
		return nil
	}
	return r.checkAuthority(ctx, u, plan, diags)
}

func (r *apiKeyResource) checkAuthority(ctx context.Context, u *placeos.User, plan apiKeyModel, diags *diag.Diagnostics) *placeos.User {
	want := plan.AuthorityID.ValueString()
	if plan.AuthorityID.IsNull() || plan.AuthorityID.IsUnknown() || want == u.AuthorityID {
		return u
	}
	diags.AddAttributeError(path.Root("authority_id"), "User Belongs to Another Domain",
		fmt.Sprintf("`authority_id` is %s, but the user %s belongs to %s, and PlaceOS puts a key in its user's domain. "+
			"Choose a user of %s, or set `authority_id` to the user's domain (or leave it unset).",
			r.domainLabel(ctx, want), u.ID, r.domainLabel(ctx, u.AuthorityID), r.domainLabel(ctx, want)))
	return nil
}

// domainLabel names a domain for a message: "Name (host, id)", or the id alone if unreadable.
func (r *apiKeyResource) domainLabel(ctx context.Context, id string) string {
	d, err := r.client.GetDomain(ctx, id)
	if err != nil {
		return fmt.Sprintf("the domain %s", id)
	}
	return fmt.Sprintf("the domain %q (%s, %s)", d.Name, d.Domain, d.ID)
}

func (r *apiKeyResource) nameTakenDetail(ctx context.Context, in placeos.APIKeyCreate) string {
	detail := fmt.Sprintf("The domain already has an API key named %q (PlaceOS compares names case-insensitively), "+
		"and Terraform did not create it, so it is left alone.", placeos.NormalizeName(in.Name))
	id := "<id>"
	if keys, err := r.client.ListAPIKeys(ctx, placeos.ListAPIKeysOptions{AuthorityID: in.AuthorityID}); err == nil {
		for _, k := range keys {
			if placeos.NormalizeName(k.Name) == placeos.NormalizeName(in.Name) {
				id = k.ID
				detail += fmt.Sprintf(" Its id is %s.", k.ID)
				break
			}
		}
	}
	return detail + fmt.Sprintf(" To manage it with Terraform, import it:\n\n  terraform import <resource address> %s\n\n"+
		"(or an `import` block with that id). Otherwise choose another `name`, or use `name_prefix` for a unique name.", id)
}

func (r *apiKeyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state apiKeyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	key, err := r.client.GetAPIKey(ctx, state.ID.ValueString())
	if placeos.IsNotFound(err) {
		resp.Diagnostics.AddWarning("API Key Not Found",
			fmt.Sprintf("The API key %s (%s) no longer exists in PlaceOS; it was deleted outside Terraform, or with its "+
				"user or domain. It is removed from the state, and the next apply creates a new key.",
				state.ID.ValueString(), state.Name.ValueString()))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error Reading API Key",
			fmt.Sprintf("Could not read the API key %s.\n\n%s", state.ID.ValueString(), describe(err, needAPIKeys)))
		return
	}
	next := state
	next.setFromAPI(ctx, key, state, &resp.Diagnostics)
	next.XAPIKey = state.XAPIKey // PlaceOS never sends the secret again
	resp.Diagnostics.Append(resp.State.Set(ctx, &next)...)
}

func (r *apiKeyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state apiKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	var in placeos.APIKeyUpdate
	changed := false
	if !plan.Name.Equal(state.Name) {
		in.Name, changed = plan.Name.ValueStringPointer(), true
	}
	if !plan.Description.Equal(state.Description) {
		in.Description, changed = plan.Description.ValueStringPointer(), true
	}
	if planned := stringsOf(ctx, plan.Scopes, &resp.Diagnostics); !sameScopeSet(planned, stringsOf(ctx, state.Scopes, &resp.Diagnostics)) {
		in.Scopes, changed = planned, true
	}
	if !plan.Permissions.Equal(state.Permissions) {
		in.Permissions, changed = plan.Permissions.ValueStringPointer(), true
	}
	if !plan.ExpiresAt.Equal(state.ExpiresAt) {
		if plan.ExpiresAt.IsNull() {
			in.ClearExpiry = true
		} else {
			t, err := parseExpiry(plan.ExpiresAt.ValueString())
			if err != nil {
				resp.Diagnostics.AddAttributeError(path.Root("expires_at"), "Invalid Expiry Time", "`expires_at` "+err.Error()+".")
				return
			}
			in.ExpiresAt = &t
		}
		changed = true
	}
	if resp.Diagnostics.HasError() {
		return
	}

	next := plan
	next.XAPIKey = state.XAPIKey
	next.CreatedAt = state.CreatedAt
	if !changed {
		next.UpdatedAt = state.UpdatedAt
		resp.Diagnostics.Append(resp.State.Set(ctx, &next)...)
		return
	}
	key, err := r.client.UpdateAPIKey(ctx, state.ID.ValueString(), in)
	if err != nil {
		resp.Diagnostics.AddError("Error Updating API Key",
			fmt.Sprintf("Could not update the API key %s (%s).\n\n%s", state.ID.ValueString(), state.Name.ValueString(), describe(err, needAPIKeys)))
		return
	}
	next.setFromAPI(ctx, key, plan, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &next)...)
}

func (r *apiKeyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state apiKeyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.client.DeleteAPIKey(ctx, state.ID.ValueString()); err != nil {
		resp.Diagnostics.AddError("Error Deleting API Key",
			fmt.Sprintf("Could not delete the API key %s (%s).\n\n%s", state.ID.ValueString(), state.Name.ValueString(), describe(err, needAPIKeys)))
	}
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

// ImportState takes a key id, or the full key `<id>.<secret>`: the secret is then checked
// against PlaceOS before it is stored.
func (r *apiKeyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, secret, withSecret := strings.Cut(strings.TrimSpace(req.ID), ".")
	if id == "" || (withSecret && secret == "") {
		resp.Diagnostics.AddError("Invalid Import ID",
			"Import an API key by its id (`terraform import placeos_api_key.x <id>`), or by the full key "+
				"`<id>.<secret>` to keep its secret in `x_api_key`.")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	if !withSecret {
		resp.Diagnostics.AddWarning("API Key Imported Without Its Secret",
			fmt.Sprintf("The key %s was imported by id, so `x_api_key` is null: PlaceOS never shows a key's secret again. "+
				"Import with the full key (`<id>.<secret>`) to keep it, or replace the key to get a new one.", id))
		return
	}
	key, err := r.client.GetAPIKey(ctx, id)
	if err != nil {
		resp.Diagnostics.AddError("Error Importing API Key", fmt.Sprintf("Could not read the API key %s.\n\n%s", id, describe(err, needAPIKeys)))
		return
	}
	claims, err := r.client.InspectAPIKey(ctx, req.ID)
	if err != nil || claims.Subject != key.UserID {
		detail := fmt.Sprintf("The secret given for the API key %s was not accepted by PlaceOS", id)
		if placeos.IsUnauthorized(err) {
			detail += " (401: the secret is wrong, or the key has expired)"
		} else if err != nil {
			detail += ": " + describe(err, needAPIKeys)
		} else {
			detail += " (it authenticates as another user)"
		}
		resp.Diagnostics.AddError("Invalid API Key Secret", detail+". Nothing was imported. Check the key, or import by id alone.")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("x_api_key"), strings.TrimSpace(req.ID))...)
}

// uniqueName appends a UTC timestamp and random hex to a prefix: sortable, and unique even for
// keys created in the same second.
func uniqueName(prefix string, now time.Time) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + now.UTC().Format("20060102150405") + hex.EncodeToString(b)
}

// stringsOf reads a set or list of strings; null and unknown give nil.
func stringsOf(ctx context.Context, v interface {
	IsNull() bool
	IsUnknown() bool
	ElementsAs(context.Context, any, bool) diag.Diagnostics
}, diags *diag.Diagnostics) []string {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	var out []string
	diags.Append(v.ElementsAs(ctx, &out, false)...)
	return out
}
