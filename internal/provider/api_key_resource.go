package provider

import (
	"context"
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
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

var (
	_ resource.ResourceWithConfigure      = (*apiKeyResource)(nil)
	_ resource.ResourceWithImportState    = (*apiKeyResource)(nil)
	_ resource.ResourceWithValidateConfig = (*apiKeyResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*apiKeyResource)(nil)
)

type apiKeyResource struct {
	resourceBase
	now func() time.Time
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
					"PlaceOS stores names trimmed, lower-cased on create, and HTML-escaped (`R&D` is stored `r&amp;d`); a name " +
					"that differs only in that way shows no diff, and state keeps the name as written. HTML tags and " +
					"character references (`&amp;`) are a plan-time error for a new key or a new name: PlaceOS would remove or " +
					"decode them; a key adopted from PlaceOS (imported) with such a name keeps it while it is unchanged. " +
					"Changing it updates the key in place (an update keeps the case).",
				Validators: []validator.String{
					stringvalidator.ExactlyOneOf(path.MatchRoot("name_prefix")),
					stringvalidator.LengthBetween(1, 255),
					notBlankName,
					// Markup: checkText in ModifyPlan, which knows whether the key is adopted with it.
				},
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name_prefix": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Creates a unique name that starts with this prefix (a timestamp and random " +
					"characters are appended; the result is in `name`). Lets `create_before_destroy` replace a key while " +
					"the old one still exists, despite unique names. Changing it replaces the key.",
				Validators:    []validator.String{stringvalidator.LengthBetween(1, 200), notBlankName, sanitizedName},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"description": schema.StringAttribute{
				Optional: true, Computed: true,
				Default: stringdefault.StaticString(""),
				MarkdownDescription: "Free text. Default `\"\"`. Changing it updates the key in place. PlaceOS stores it " +
					"HTML-escaped (state keeps the text as written); HTML tags and character references are a plan-time " +
					"error for a new key or a new description, as PlaceOS would remove, rewrite or decode them. A key adopted " +
					"from PlaceOS (imported) keeps the description it has, unchanged, even with tags PlaceOS allows (`<b>`).",
				// Markup: checkText in ModifyPlan, which knows whether the key is adopted with it.
			},
			"user_id": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Id of the user the key acts as (`user-...`). Default: the user the provider " +
					"authenticates as. Checked to exist before create when the credentials may read users (the `users` " +
					"or `public` scope); credentials with only `api_keys` still create keys, and an unknown user then " +
					"gets an error from the create itself. Changing it replaces the key.",
				Validators:    []validator.String{notBlankUserID},
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
			},
			"authority_id": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Id of the domain the key belongs to (`authority-...`). PlaceOS takes it from the " +
					"user; when set, the user must belong to this domain or the create fails before anything is made. " +
					"Changing it replaces the key.",
				Validators:    []validator.String{notBlankAuthorityID},
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
			},
			"scopes": schema.SetAttribute{
				ElementType: types.StringType,
				Optional:    true, Computed: true,
				Default: setdefault.StaticValue(types.SetValueMust(types.StringType, []attr.Value{types.StringValue(placeos.PublicScope)})),
				MarkdownDescription: "What the key may reach, within `permissions`. Each is a resource name (full access) or " +
					"`<resource>.read` / `<resource>.write`. Default `[\"public\"]`: every route the permission level allows. " +
					"The access part compares in any case (PlaceOS answers `api_keys.Read`); resource names are " +
					"case-sensitive. PlaceOS honours only the first entry of a resource, so naming one twice " +
					"(`api_keys.read` and `api_keys.write`) is a plan-time error. Changing them updates the key in place. " +
					"At least one. PlaceOS also reads `<resource>.all` (the bare resource) and `<resource>.none` (grants " +
					"nothing); a plan-time error for a new key or a change. A key adopted from PlaceOS (imported) keeps the " +
					"scopes it has, unchanged, even none, a `.none` entry, or a resource named twice (with a warning).",
				// At least one, each resource once, no `.all` or `.none`, except for an adopted key: see checkScopes.
				Validators: []validator.Set{setvalidator.ValueStringsAre(validHeldScope)},
			},
			"permissions": schema.StringAttribute{
				Optional: true, Computed: true,
				Default: stringdefault.StaticString(placeos.DefaultPermission),
				MarkdownDescription: "Permission level of the key: `user`, `support`, `admin` or `admin_support`. Default " +
					"`user`. It replaces the user's own level (a `user` key of a sys_admin is not an admin). Changing it " +
					"updates the key in place.",
				Validators: []validator.String{stringvalidator.OneOf(placeos.PermissionLevels...)},
			},
			"expires_at": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "When the key stops working, RFC 3339 with whole seconds (e.g. `2027-01-31T00:00:00Z`). " +
					"Must be in the future when set or changed; an unchanged expiry that has passed, or is less than 7 days " +
					"away, gets a plan-time warning. Unset (and no `ttl`): the key never expires, and removing it clears the " +
					"expiry. Conflicts with `ttl`, which sets it at create. Changing it updates the key in place. Needs a " +
					"PlaceOS server from June 2026 or later; an older server ignores it, and the provider warns.",
				Validators:    []validator.String{stringvalidator.ConflictsWith(path.MatchRoot("ttl"))},
				PlanModifiers: []planmodifier.String{expiresAtPlan{}},
			},
			"ttl": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Lifetime of the key as a Go duration (e.g. `720h`); `expires_at` is set to create time " +
					"plus this. Once the key has expired, the plan replaces it. Changing it replaces the key.",
				Validators:    []validator.String{durationAtLeast(time.Minute)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"rotate_before": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Go duration; needs `ttl`. When less than this is left before `expires_at`, the plan " +
					"replaces the key. With `name_prefix` and `create_before_destroy`, the new key exists before the old " +
					"one is deleted.",
				Validators: []validator.String{
					durationAtLeast(0),
					stringvalidator.AlsoRequires(path.MatchRoot("ttl")),
				},
			},
			"rotation_triggers": schema.MapAttribute{
				ElementType: types.StringType,
				Optional:    true,
				MarkdownDescription: "Arbitrary values; any change replaces the key (like `keepers` of the `random` " +
					"provider), e.g. `{ rotated = \"2027-Q1\" }`.",
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
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
	resp.Diagnostics.Append(getModel(ctx, req.Config, &m)...) // see api_key_model.go
	if resp.Diagnostics.HasError() {
		return
	}
	if !m.ExpiresAt.IsNull() && !m.ExpiresAt.IsUnknown() {
		if _, err := parseExpiry(m.ExpiresAt.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("expires_at"), "Invalid Expiry Time", "`expires_at` "+err.Error()+".")
		}
	}
	ttl, ttlErr := time.ParseDuration(m.TTL.ValueString())
	before, beforeErr := time.ParseDuration(m.RotateBefore.ValueString())
	if known(m.TTL) && known(m.RotateBefore) && ttlErr == nil && beforeErr == nil && before >= ttl {
		resp.Diagnostics.AddAttributeError(path.Root("rotate_before"), "Rotation Window Too Long",
			fmt.Sprintf("`rotate_before` (%s) must be shorter than `ttl` (%s), or every plan would replace the key. "+
				"A common choice is a quarter of the ttl.", before, ttl))
	}
	// No scopes, and scopes that name a resource twice: checkScopes in ModifyPlan, which knows
	// whether the key is adopted with them.
}

// expiryWarningWindow: an absolute expiry closer than this gets a plan-time warning.
const expiryWarningWindow = 7 * 24 * time.Hour

// ModifyPlan checks expiry against the clock and plans rotation. It runs at plan time, so
// nothing here makes a request.
func (r *apiKeyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var config apiKeyModel
	resp.Diagnostics.Append(getModel(ctx, req.Config, &config)...) // see api_key_model.go
	var state *apiKeyModel
	if !req.State.Raw.IsNull() {
		state = &apiKeyModel{}
		resp.Diagnostics.Append(getModel(ctx, req.State, state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	now := r.now()

	// see api_key_adoption.go
	checkScopes(config, state, &resp.Diagnostics)
	checkText(config, state, &resp.Diagnostics)
	if known(config.ExpiresAt) {
		r.checkAbsoluteExpiry(config.ExpiresAt, state, now, &resp.Diagnostics)
	}

	if state != nil && known(config.TTL) && known(state.ExpiresAt) {
		expires, err := time.Parse(time.RFC3339, state.ExpiresAt.ValueString())
		before, _ := time.ParseDuration(config.RotateBefore.ValueString()) // validated; zero when unset
		if err == nil && !now.Before(expires.Add(-before)) {
			// Unknown expires_at is the change that the replacement hangs on.
			tflog.Info(ctx, "planning API key rotation", map[string]any{"id": state.ID.ValueString(), "expires_at": expires.Format(time.RFC3339)})
			resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("expires_at"), types.StringUnknown())...)
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("expires_at"))
			return
		}
	}

	// The framework marks updated_at unknown only when the proposed plan differs from state,
	// which misses changes made by plan modifiers (such as clearing expires_at).
	if state != nil && !req.Plan.Raw.Equal(req.State.Raw) {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("updated_at"), types.StringUnknown())...)
	}
}

// checkAbsoluteExpiry: a new or changed expires_at must be in the future (PlaceOS rejects it
// otherwise); an unchanged one that has passed or is close gets a warning, so the plan can
// still run.
func (r *apiKeyResource) checkAbsoluteExpiry(configured types.String, state *apiKeyModel, now time.Time, diags *diag.Diagnostics) {
	t, err := parseExpiry(configured.ValueString())
	if err != nil {
		return // reported by ValidateConfig
	}
	unchanged := false
	if state != nil && known(state.ExpiresAt) {
		if prior, err := time.Parse(time.RFC3339, state.ExpiresAt.ValueString()); err == nil && prior.Equal(t) {
			unchanged = true
		}
	}
	switch {
	case !t.After(now) && !unchanged:
		diags.AddAttributeError(path.Root("expires_at"), "Expiry Time in the Past",
			fmt.Sprintf("`expires_at` is %s, which is not in the future; PlaceOS rejects a key that has already "+
				"expired. Give a later time, remove `expires_at` for a key that does not expire, or use `ttl`.", configured.ValueString()))
	case !t.After(now):
		diags.AddAttributeWarning(path.Root("expires_at"), "API Key Has Expired",
			fmt.Sprintf("The key expired at %s and PlaceOS now refuses it. Move `expires_at` into the future (an in-place "+
				"update), or use `ttl` with `rotate_before` so that Terraform replaces keys before they expire.", configured.ValueString()))
	case t.Sub(now) < expiryWarningWindow:
		diags.AddAttributeWarning(path.Root("expires_at"), "API Key Expires Soon",
			fmt.Sprintf("The key expires at %s, in %s. Whatever uses it stops working then: move `expires_at`, or use `ttl` "+
				"with `rotate_before` for scheduled rotation.", configured.ValueString(), t.Sub(now).Round(time.Minute)))
	}
}

func (r *apiKeyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan apiKeyModel
	resp.Diagnostics.Append(getModel(ctx, req.Plan, &plan)...) // see api_key_model.go
	if resp.Diagnostics.HasError() {
		return
	}

	user := r.keyUser(ctx, plan.UserID, plan.AuthorityID, &resp.Diagnostics)
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
	switch {
	case known(plan.ExpiresAt):
		t, err := parseExpiry(plan.ExpiresAt.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("expires_at"), "Invalid Expiry Time", "`expires_at` "+err.Error()+".")
			return
		}
		in.ExpiresAt = &t
	case known(plan.TTL):
		ttl, err := time.ParseDuration(plan.TTL.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("ttl"), "Invalid TTL", "`ttl` is not a Go duration such as 720h.")
			return
		}
		t := r.now().Add(ttl).UTC().Truncate(time.Second)
		in.ExpiresAt = &t
	}

	key, err := r.client.CreateAPIKey(ctx, in)
	if errors.Is(err, placeos.ErrNameTaken) {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "API Key Name Already Taken", r.nameTakenDetail(ctx, in, plan.NamePrefix.IsNull()))
		return
	}
	if err != nil {
		r.createFailed(err, user, name, "Error Creating API Key", &resp.Diagnostics)
		return
	}
	if !r.checkCreated(ctx, user, key, plan.AuthorityID, &resp.Diagnostics) {
		return
	}
	if in.ExpiresAt != nil && key.ExpiresAt.IsZero() {
		resp.Diagnostics.AddAttributeWarning(path.Root("expires_at"), "PlaceOS Ignored the Expiry",
			fmt.Sprintf("The server created the key %s without an expiry: PlaceOS servers older than June 2026 do not "+
				"support `expires_at`, so this key does not expire. Upgrade PlaceOS, or remove `expires_at` and delete the "+
				"key yourself when it is no longer needed.", key.ID))
		key.ExpiresAt = placeos.EpochTime{Time: *in.ExpiresAt}
		// Remembered so that refreshes keep the planned expiry instead of a diff on every plan.
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateExpiryIgnored, []byte("true"))...)
	}

	state := plan
	state.setFromAPI(ctx, key, plan, &resp.Diagnostics)
	state.XAPIKey = types.StringValue(key.XAPIKey)
	resp.Diagnostics.Append(setModel(ctx, &resp.State, &state)...)
	setKeyIdentity(ctx, resp.Identity, key.ID, &resp.Diagnostics)
}

func (r *apiKeyResource) nameTakenDetail(ctx context.Context, in placeos.APIKeyCreate, fixedName bool) string {
	detail := fmt.Sprintf("The domain already has an API key named %q (PlaceOS compares a new name, trimmed and lower-cased, "+
		"with the names it stores), "+
		"and Terraform did not create it, so it is left alone.", placeos.NormalizeName(in.Name))
	id := "<id>"
	if k, err := r.client.FindAPIKeyByName(ctx, in.AuthorityID, in.Name); err == nil && k != nil {
		id = k.ID
		detail += fmt.Sprintf(" Its id is %s.", k.ID)
	}
	detail += fmt.Sprintf(" To manage it with Terraform, import it:\n\n  terraform import <resource address> %s\n\n"+
		"(or an `import` block with that id). Otherwise choose another `name`, or use `name_prefix` for a unique name.", id)
	if fixedName {
		detail += "\n\nIf this is a replacement with `lifecycle { create_before_destroy = true }`, the old key still " +
			"holds the name while the new one is created: a fixed `name` cannot work there. Use `name_prefix` instead."
	}
	return detail
}

func (r *apiKeyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state apiKeyModel
	resp.Diagnostics.Append(getModel(ctx, req.State, &state)...) // see api_key_model.go
	if resp.Diagnostics.HasError() {
		return
	}
	// Also for a key that turns out to be gone: state from before identities has none.
	setKeyIdentity(ctx, resp.Identity, state.ID.ValueString(), &resp.Diagnostics)
	// Reads of many keys of a domain are served from its listing (see RefreshAPIKey); a listed
	// answer older than the updated_at in state is not used.
	seen, _ := time.Parse(time.RFC3339, state.UpdatedAt.ValueString()) // zero when unknown
	key, err := r.client.RefreshAPIKey(ctx, state.ID.ValueString(), state.AuthorityID.ValueString(), seen)
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
	r.keepIgnoredExpiry(ctx, req.Private, key, state, &next, &resp.Diagnostics)
	resp.Diagnostics.Append(setModel(ctx, &resp.State, &next)...)
}

func (r *apiKeyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state apiKeyModel
	resp.Diagnostics.Append(getModel(ctx, req.Plan, &plan)...) // see api_key_model.go
	resp.Diagnostics.Append(getModel(ctx, req.State, &state)...)
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
	if planned := stringsOf(ctx, plan.Scopes, &resp.Diagnostics); !placeos.SameScopes(planned, stringsOf(ctx, state.Scopes, &resp.Diagnostics)) {
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

	setKeyIdentity(ctx, resp.Identity, state.ID.ValueString(), &resp.Diagnostics)
	next := plan
	next.XAPIKey = state.XAPIKey
	next.CreatedAt = state.CreatedAt
	if !changed {
		next.UpdatedAt = state.UpdatedAt
		resp.Diagnostics.Append(setModel(ctx, &resp.State, &next)...)
		return
	}
	key, err := r.client.UpdateAPIKey(ctx, state.ID.ValueString(), in)
	if err != nil {
		resp.Diagnostics.AddError("Error Updating API Key",
			fmt.Sprintf("Could not update the API key %s (%s).\n\n%s", state.ID.ValueString(), state.Name.ValueString(), describe(err, needAPIKeys)))
		return
	}
	next.setFromAPI(ctx, key, plan, &resp.Diagnostics)
	r.keepIgnoredExpiry(ctx, req.Private, key, plan, &next, &resp.Diagnostics)
	resp.Diagnostics.Append(setModel(ctx, &resp.State, &next)...)
}

// privateExpiryIgnored marks a key whose server dropped expires_at (PlaceOS before June 2026).
const privateExpiryIgnored = "expiry_ignored"

type privateGetter interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

// keepIgnoredExpiry keeps the configured expiry of a key on a server that ignores expiry: the
// server answers without one, and a diff on every plan could never be applied.
func (r *apiKeyResource) keepIgnoredExpiry(ctx context.Context, private privateGetter, k *placeos.APIKey, prior apiKeyModel, next *apiKeyModel, diags *diag.Diagnostics) {
	flag, d := private.GetKey(ctx, privateExpiryIgnored)
	diags.Append(d...)
	if string(flag) != "true" || !k.ExpiresAt.IsZero() || !known(prior.ExpiresAt) {
		return
	}
	next.ExpiresAt = prior.ExpiresAt
	diags.AddAttributeWarning(path.Root("expires_at"), "PlaceOS Ignores the Expiry",
		fmt.Sprintf("The server does not store `expires_at` (PlaceOS before June 2026), so the key %s never expires on "+
			"its own. Terraform still replaces it on schedule when `ttl` is set.", k.ID))
}

func (r *apiKeyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state apiKeyModel
	resp.Diagnostics.Append(getModel(ctx, req.State, &state)...) // see api_key_model.go
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.client.DeleteAPIKey(ctx, state.ID.ValueString()); err != nil {
		resp.Diagnostics.AddError("Error Deleting API Key",
			fmt.Sprintf("Could not delete the API key %s (%s).\n\n%s", state.ID.ValueString(), state.Name.ValueString(), describe(err, needAPIKeys)))
	}
}

// ImportState takes a key id, or the full key `<id>.<secret>`: the secret is then checked
// against PlaceOS before it is stored.
func (r *apiKeyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	raw, ok := importedKeyID(ctx, req, &resp.Diagnostics) // see api_key_identity.go
	if !ok {
		return
	}
	id, xAPIKey, err := parseImportID(raw)
	if err == nil && xAPIKey != "" && req.ID == "" {
		// An identity is stored in state in the clear: it must not hold a secret.
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Invalid Import Identity",
			"An import block's `identity = { id = ... }` takes the key id alone. To keep the key's secret in `x_api_key`, "+
				"import with `id = \"<id>.<secret>\"` instead of `identity`.")
		return
	}
	if err != nil {
		// The id is not quoted back: it may hold a secret.
		resp.Diagnostics.AddError("Invalid Import ID",
			"Import an API key by its id (`terraform import placeos_api_key.x <id>`), or by the full key "+
				"`<id>.<secret>` to keep its secret in `x_api_key`. Neither part may be empty or hold white space.")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	setKeyIdentity(ctx, resp.Identity, id, &resp.Diagnostics)
	if xAPIKey == "" {
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
	claims, err := r.client.InspectAPIKey(ctx, xAPIKey)
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
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("x_api_key"), xAPIKey)...)
}

var errInvalidImportID = errors.New("an import id is `<id>` or `<id>.<secret>`")

// parseImportID reads an import id: a key id, or the full key `<id>.<secret>`, which is then
// returned as xAPIKey ("" for an id alone). Surrounding white space is ignored. Both parts must
// be printable ASCII without white space (ids are hex, secrets base64url), so nothing malformed
// reaches a URL or a header. The error never quotes the input.
func parseImportID(raw string) (id, xAPIKey string, err error) {
	full := strings.TrimSpace(raw)
	id, secret, withSecret := strings.Cut(full, ".")
	if id == "" || (withSecret && secret == "") || !printableASCII(id) || !printableASCII(secret) {
		return "", "", errInvalidImportID
	}
	if withSecret {
		xAPIKey = full
	}
	return id, xAPIKey, nil
}

// printableASCII: only the characters '!' to '~'.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '!' || s[i] > '~' {
			return false
		}
	}
	return true
}
