package provider

import (
	"bytes"
	"context"
	"encoding/json"
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
	_ datasource.DataSourceWithConfigure        = (*domainDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*domainDataSource)(nil)
)

type domainDataSource struct{ dataSourceBase }

type domainModel struct {
	ID           types.String `tfsdk:"id"`
	Name         types.String `tfsdk:"name"`
	Domain       types.String `tfsdk:"domain"`
	Email        types.String `tfsdk:"email"`
	Description  types.String `tfsdk:"description"`
	LoginURL     types.String `tfsdk:"login_url"`
	LogoutURL    types.String `tfsdk:"logout_url"`
	EmailDomains types.List   `tfsdk:"email_domains"`
	Config       types.String `tfsdk:"config"`
	CreatedAt    types.String `tfsdk:"created_at"`
	UpdatedAt    types.String `tfsdk:"updated_at"`
}

func (d *domainDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_domain"
}

func (d *domainDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	lookup := " Give at most one of `id`, `domain`, `name` and `email`; with none, the domain that the provider's `url` points at."
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up a PlaceOS domain (an *authority*: one site with its own host name, users and keys)." +
			lookup + " No match, or more than one, is an error. Needs support or admin credentials. " +
			"The domain's `internals` (which can hold SSO secrets) are never read into Terraform.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Domain id (`authority-...`). Looks the domain up by id when set.",
			},
			"domain": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Host name of the domain, e.g. `placeos.example.com`. Looks the domain up by host name " +
					"(exact, case-insensitive) when set.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"name": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Display name of the domain. Looks the domain up by exact name when set.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"email": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "An email address: looks up the domain whose `email_domains` hold the address's domain " +
					"part (PlaceOS's own lookup route).",
				Validators: []validator.String{stringvalidator.RegexMatches(emailPattern, "must be an email address such as jane@example.com")},
			},
			"description": schema.StringAttribute{Computed: true, MarkdownDescription: "Description of the domain."},
			"login_url":   schema.StringAttribute{Computed: true, MarkdownDescription: "Login URL of the domain."},
			"logout_url":  schema.StringAttribute{Computed: true, MarkdownDescription: "Logout URL of the domain."},
			"email_domains": schema.ListAttribute{
				Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Email domains whose users belong to this domain.",
			},
			"config": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The domain's `config` object as a JSON string; read it with `jsondecode()`.",
			},
			"created_at": schema.StringAttribute{Computed: true, MarkdownDescription: "When the domain was created (RFC 3339, UTC)."},
			"updated_at": schema.StringAttribute{Computed: true, MarkdownDescription: "When the domain was last changed (RFC 3339, UTC)."},
		},
	}
}

func (d *domainDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.Conflicting(path.MatchRoot("id"), path.MatchRoot("domain"), path.MatchRoot("name"), path.MatchRoot("email")),
	}
}

func (d *domainDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m domainModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}

	var (
		found []placeos.Authority
		err   error
		by    string
	)
	switch {
	case !m.ID.IsNull():
		by = fmt.Sprintf("id %q", m.ID.ValueString())
		var one *placeos.Authority
		one, err = d.client.GetDomain(ctx, m.ID.ValueString())
		if one != nil {
			found = append(found, *one)
		}
		if placeos.IsNotFound(err) {
			err = nil
		}
	case !m.Domain.IsNull():
		by = fmt.Sprintf("host name %q", m.Domain.ValueString())
		found, err = d.findAll(ctx, func(a placeos.Authority) bool { return strings.EqualFold(a.Domain, m.Domain.ValueString()) })
	case !m.Name.IsNull():
		by = fmt.Sprintf("name %q", m.Name.ValueString())
		found, err = d.findAll(ctx, func(a placeos.Authority) bool { return a.Name == m.Name.ValueString() })
	case !m.Email.IsNull():
		by = fmt.Sprintf("email %q", m.Email.ValueString())
		var host string
		host, err = d.client.LookupDomainByEmail(ctx, m.Email.ValueString())
		if placeos.IsNotFound(err) {
			err = nil
			break
		}
		if err == nil {
			by = fmt.Sprintf("email %q (host name %q)", m.Email.ValueString(), host)
			found, err = d.findAll(ctx, func(a placeos.Authority) bool { return strings.EqualFold(a.Domain, host) })
		}
	default:
		host := d.client.Host()
		by = fmt.Sprintf("the provider's host name %q", host)
		found, err = d.findAll(ctx, func(a placeos.Authority) bool { return strings.EqualFold(a.Domain, host) })
	}
	domain, ok := singleMatch(&resp.Diagnostics, lookup[placeos.Authority]{
		noun: "domain", by: by, found: found, err: err, need: needDomains,
		notFound: fmt.Sprintf("No PlaceOS domain matches %s. Check the value against Backoffice > Domains.", by),
		advice:   "Look the domain up by `id` or `domain` instead.",
		label:    func(h placeos.Authority) string { return fmt.Sprintf("%s (%s)", h.ID, h.Domain) },
	})
	if !ok {
		return
	}

	m.ID = types.StringValue(domain.ID)
	m.Name = types.StringValue(domain.Name)
	m.Domain = types.StringValue(domain.Domain)
	m.Description = types.StringValue(domain.Description)
	m.LoginURL = types.StringValue(domain.LoginURL)
	m.LogoutURL = types.StringValue(domain.LogoutURL)
	m.EmailDomains = stringList(ctx, domain.EmailDomains, &resp.Diagnostics)
	m.Config = types.StringValue(compactJSON(domain.Config))
	m.CreatedAt = timestamp(domain.CreatedAt.Time)
	m.UpdatedAt = timestamp(domain.UpdatedAt.Time)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// findAll pages through every domain (PlaceOS has no exact lookup by host or name) and keeps
// the matches.
func (d *domainDataSource) findAll(ctx context.Context, match func(placeos.Authority) bool) ([]placeos.Authority, error) {
	all, err := d.client.ListDomains(ctx)
	if err != nil {
		return nil, err
	}
	var hits []placeos.Authority
	for _, a := range all {
		if match(a) {
			hits = append(hits, a)
		}
	}
	return hits, nil
}

// compactJSON gives a stable string for a JSON object; absent or null config is "{}".
func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if len(raw) == 0 || json.Compact(&b, raw) != nil || b.String() == "null" {
		return "{}"
	}
	return b.String()
}
