package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

var (
	_ datasource.DataSourceWithConfigure        = (*userDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*userDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig   = (*userDataSource)(nil)
)

type userDataSource struct{ dataSourceBase }

type userModel struct {
	ID          types.String `tfsdk:"id"`
	Email       types.String `tfsdk:"email"`
	Current     types.Bool   `tfsdk:"current"`
	AuthorityID types.String `tfsdk:"authority_id"`
	Name        types.String `tfsdk:"name"`
	FirstName   types.String `tfsdk:"first_name"`
	LastName    types.String `tfsdk:"last_name"`
	Groups      types.List   `tfsdk:"groups"`
	SysAdmin    types.Bool   `tfsdk:"sys_admin"`
	Support     types.Bool   `tfsdk:"support"`
	Deleted     types.Bool   `tfsdk:"deleted"`
	LoginName   types.String `tfsdk:"login_name"`
	StaffID     types.String `tfsdk:"staff_id"`
	Department  types.String `tfsdk:"department"`
	CreatedAt   types.String `tfsdk:"created_at"`
}

func (d *userDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_user"
}

func (d *userDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up a PlaceOS user, typically the user an API key acts as. Give exactly one of `id`, " +
			"`email` and `current = true`. Password digests, tokens and card numbers are never read into Terraform.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "User id (`user-...`). Looks the user up by id when set.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"email": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Email address. Looks the user up by email (exact, case-insensitive) within the " +
					"provider's domain, or within `authority_id` when that is set (needs admin credentials).",
				Validators: []validator.String{stringvalidator.RegexMatches(emailPattern, "must be an email address such as jane@example.com")},
			},
			"current": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "`true` looks up the user the provider authenticates as.",
			},
			"authority_id": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "The user's domain (`authority-...`). With `email`, searches that domain instead of " +
					"the provider's own.",
			},
			"name":       computed("Full name."),
			"first_name": computed("First name."),
			"last_name":  computed("Last name."),
			"groups": schema.ListAttribute{
				Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Groups (roles) of the user.",
			},
			"sys_admin":  schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the user is a system administrator. PlaceOS shows it to callers with admin permissions only; null otherwise."},
			"support":    schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the user has support permissions. PlaceOS shows it to callers with admin permissions only; null otherwise."},
			"deleted":    schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the user is soft-deleted."},
			"login_name": computed("Login name. PlaceOS shows it to callers with admin permissions only; null otherwise, and when the user has none."),
			"staff_id":   computed("Staff id."),
			"department": computed("Department."),
			"created_at": computed("When the user was created (RFC 3339, UTC)."),
		},
	}
}

func (d *userDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("email"), path.MatchRoot("current")),
	}
}

func (d *userDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m userModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !m.Current.IsNull() && !m.Current.IsUnknown() && !m.Current.ValueBool() {
		resp.Diagnostics.AddAttributeError(path.Root("current"), "Invalid Lookup",
			"`current = false` looks nothing up; write `current = true` for the provider's own user, or use `id` or `email`.")
	}
	if known(m.AuthorityID) && m.Email.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("authority_id"), "Invalid Lookup",
			"`authority_id` narrows an `email` lookup to another domain; it needs `email`.")
	}
}

func (d *userDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m userModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}

	var (
		matches []placeos.User
		err     error
		by      string
	)
	switch {
	case m.Current.ValueBool():
		by = "the provider's credentials"
		var u *placeos.User
		if u, err = d.client.CurrentUser(ctx); err == nil {
			matches = append(matches, *u)
		}
	case known(m.ID):
		by = fmt.Sprintf("id %q", m.ID.ValueString())
		matches, err = d.byID(ctx, m.ID.ValueString())
	case known(m.AuthorityID):
		by = fmt.Sprintf("email %q in the domain %s", m.Email.ValueString(), m.AuthorityID.ValueString())
		matches, err = d.byEmail(ctx, m.Email.ValueString(), m.AuthorityID.ValueString())
	default:
		by = fmt.Sprintf("email %q in the provider's domain", m.Email.ValueString())
		matches, err = d.byEmailHere(ctx, m.Email.ValueString())
	}
	notFound := fmt.Sprintf("No PlaceOS user matches %s (deleted users are not searched).", by)
	if known(m.AuthorityID) {
		notFound += " PlaceOS shows the users of another domain only to credentials with admin permissions; " +
			"with support or user permissions, every search stays in the domain of `url`."
	}
	u, ok := singleMatch(&resp.Diagnostics, lookup[placeos.User]{
		noun: "user", by: by, found: matches, err: err, need: needUsers,
		notFound: notFound,
		advice:   "Look the user up by `id` instead.",
		label:    func(u placeos.User) string { return u.ID },
	})
	if !ok {
		return
	}

	m.ID = types.StringValue(u.ID)
	m.Email = types.StringValue(u.Email)
	m.AuthorityID = types.StringValue(u.AuthorityID)
	m.Name = types.StringValue(u.Name)
	m.FirstName = types.StringValue(u.FirstName)
	m.LastName = types.StringValue(u.LastName)
	m.Groups = stringList(ctx, u.Groups, &resp.Diagnostics)
	// PlaceOS sends these to admin callers only: null, not false or "", when absent.
	m.SysAdmin = types.BoolPointerValue(u.SysAdmin)
	m.Support = types.BoolPointerValue(u.Support)
	m.Deleted = types.BoolValue(u.Deleted)
	m.LoginName = types.StringPointerValue(u.LoginName)
	m.StaffID = types.StringValue(u.StaffID)
	m.Department = types.StringValue(u.Department)
	m.CreatedAt = timestamp(u.CreatedAt.Time)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// byID reads a user by id. PlaceOS's show route also answers for an email, login name or staff
// id; only a user whose id matches counts here.
func (d *userDataSource) byID(ctx context.Context, id string) ([]placeos.User, error) {
	u, err := d.client.GetUser(ctx, id)
	if placeos.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if u.ID != id && u.ID != "user-"+id {
		return nil, nil
	}
	return []placeos.User{*u}, nil
}

// byEmailHere uses PlaceOS's show route, which finds an email within the caller's domain (it
// also answers for a login name or staff id, so the address is checked).
func (d *userDataSource) byEmailHere(ctx context.Context, email string) ([]placeos.User, error) {
	u, err := d.client.GetUser(ctx, email)
	if placeos.IsNotFound(err) {
		return nil, nil
	}
	if err != nil || !strings.EqualFold(u.Email, email) {
		return nil, err
	}
	return []placeos.User{*u}, nil
}

// byEmail searches another domain's user list (admins only) for an exact, case-insensitive
// match on the whole address.
func (d *userDataSource) byEmail(ctx context.Context, email, authorityID string) ([]placeos.User, error) {
	users, err := d.client.ListUsers(ctx, placeos.ListUsersOptions{AuthorityID: authorityID, Query: email})
	if err != nil {
		return nil, err
	}
	var hits []placeos.User
	for _, u := range users {
		if strings.EqualFold(u.Email, email) && u.AuthorityID == authorityID {
			hits = append(hits, u)
		}
	}
	return hits, nil
}
