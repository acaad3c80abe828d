// Package provider is the Terraform side of the PlaceOS provider: schemas, plans and the
// mapping between Terraform values and the PlaceOS API client.
package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

var (
	_ provider.ProviderWithEphemeralResources = (*placeosProvider)(nil)
	_ provider.ProviderWithValidateConfig     = (*placeosProvider)(nil)
	_ provider.ProviderWithListResources      = (*placeosProvider)(nil)
)

// placeosProvider is the `placeos` provider. Tests set now and pageSize to share a clock with
// the in-memory API and to force pagination.
type placeosProvider struct {
	version  string
	now      func() time.Time
	pageSize int
}

// New returns the provider factory that main.go serves.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &placeosProvider{version: version, now: time.Now} }
}

type providerModel struct {
	URL            types.String `tfsdk:"url"`
	APIKey         types.String `tfsdk:"api_key"`
	AccessToken    types.String `tfsdk:"access_token"`
	Username       types.String `tfsdk:"username"`
	Password       types.String `tfsdk:"password"`
	ClientID       types.String `tfsdk:"client_id"`
	ClientSecret   types.String `tfsdk:"client_secret"`
	Insecure       types.Bool   `tfsdk:"insecure"`
	CACert         types.String `tfsdk:"ca_cert"`
	RequestTimeout types.String `tfsdk:"request_timeout"`
	MaxRetries     types.Int64  `tfsdk:"max_retries"`
}

// providerData is what every resource and data source gets from Configure.
type providerData struct {
	client *placeos.Client
}

func (p *placeosProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "placeos"
	resp.Version = p.version
}

func (p *placeosProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages PlaceOS API keys and looks up domains. Configure exactly one credential method: " +
			"`api_key`, `access_token`, or `username` + `password` + `client_id`. Every argument can come from " +
			"its `PLACEOS_*` environment variable; a value in the configuration wins.",
		Attributes: map[string]schema.Attribute{
			"url": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Base URL of the PlaceOS domain, e.g. `https://placeos.example.com` (env `PLACEOS_URL`). " +
					"Must be the domain's own host name: PlaceOS picks the domain from the Host header. A path is ignored. " +
					"User info (`user:password@`) is refused, and redirects are never followed.",
			},
			"api_key": schema.StringAttribute{
				Optional: true, Sensitive: true,
				MarkdownDescription: "An X-API-Key (`<id>.<secret>`) with `admin` permissions and the `public` or `api_keys` scope " +
					"(env `PLACEOS_API_KEY`).",
			},
			"access_token": schema.StringAttribute{
				Optional: true, Sensitive: true,
				MarkdownDescription: "A bearer token of an admin user (env `PLACEOS_ACCESS_TOKEN`). It is not refreshed.",
			},
			"username": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Email of a local-password admin user, for the OAuth2 password grant (env `PLACEOS_USERNAME`).",
			},
			"password": schema.StringAttribute{
				Optional: true, Sensitive: true,
				MarkdownDescription: "Password for `username` (env `PLACEOS_PASSWORD`).",
			},
			"client_id": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "OAuth application id, required with `username` (env `PLACEOS_CLIENT_ID`).",
			},
			"client_secret": schema.StringAttribute{
				Optional: true, Sensitive: true,
				MarkdownDescription: "OAuth application secret; leave unset for a public application (env `PLACEOS_CLIENT_SECRET`).",
			},
			"insecure": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Skip TLS certificate verification (env `PLACEOS_INSECURE`). Default `false`. Prefer `ca_cert`: " +
					"`insecure = true` gets a warning, and together with `ca_cert` is an error.",
			},
			"ca_cert": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "PEM bundle (the contents, not a path) trusted in addition to the system roots " +
					"(env `PLACEOS_CA_CERT`).",
			},
			"request_timeout": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Timeout of each HTTP request as a Go duration (env `PLACEOS_REQUEST_TIMEOUT`). Default `30s`.",
			},
			"max_retries": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "Retries for 429, 5xx and connection errors, with exponential backoff that honours " +
					"`Retry-After` up to one minute (env `PLACEOS_MAX_RETRIES`). Default `4`.",
			},
		},
	}
}

// ValidateConfig checks what the configuration itself says (terraform validate); Configure
// checks the same for values that come from the environment.
func (p *placeosProvider) ValidateConfig(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if known(m.URL) {
		checkURL(m.URL.ValueString(), &resp.Diagnostics)
	}
	checkTLS(m.Insecure.ValueBool(), known(m.CACert) && strings.TrimSpace(m.CACert.ValueString()) != "", &resp.Diagnostics)
}

// checkURL reports a url that cannot be used. It never repeats a url with user info, and
// names the attribute in the text rather than by path: the CLI would print the source line.
func checkURL(raw string, diags *diag.Diagnostics) {
	base, err := placeos.ParseBaseURL(raw)
	switch {
	case errors.Is(err, placeos.ErrURLUserInfo) || (err != nil && strings.Contains(raw, "@")):
		diags.AddError("Invalid PlaceOS URL", "`url` (or PLACEOS_URL) "+err.Error()+".")
	case err != nil:
		diags.AddAttributeError(path.Root("url"), "Invalid PlaceOS URL", "`url` "+err.Error()+".")
	case base.Scheme == "http" && !placeos.IsLoopback(base):
		diags.AddAttributeWarning(path.Root("url"), "Credentials Sent in Clear Text",
			fmt.Sprintf("`url` uses http:// to %s, which is not a loopback address: the credentials and every API key "+
				"created cross the network unencrypted. Use https://.", base.Hostname()))
	}
}

// checkTLS: `insecure` is a warning, and an error together with `ca_cert`, which it would void.
func checkTLS(insecure, caCert bool, diags *diag.Diagnostics) {
	switch {
	case insecure && caCert:
		diags.AddAttributeError(path.Root("insecure"), "Conflicting TLS Settings",
			"`insecure = true` (or PLACEOS_INSECURE) turns certificate verification off, so `ca_cert` (or PLACEOS_CA_CERT) "+
				"would never be used. Remove `insecure` to verify the server against `ca_cert`, or remove `ca_cert`.")
	case insecure:
		diags.AddAttributeWarning(path.Root("insecure"), "TLS Certificate Verification Disabled",
			"`insecure = true` (or PLACEOS_INSECURE) turns certificate verification off: anyone on the network path can "+
				"read the credentials and every API key created. Give the server's CA bundle as `ca_cert` instead.")
	}
}

// credential attributes, in the order they are reported.
var credentialMethods = []struct{ attrs, envs string }{
	{"`api_key`", "`PLACEOS_API_KEY`"},
	{"`access_token`", "`PLACEOS_ACCESS_TOKEN`"},
	{"`username` + `password` + `client_id`", "`PLACEOS_USERNAME`, `PLACEOS_PASSWORD`, `PLACEOS_CLIENT_ID`"},
}

func (p *placeosProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cfg := p.clientConfig(m, req.TerraformVersion, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	client, err := placeos.New(cfg)
	if errors.Is(err, placeos.ErrInvalidCACert) {
		resp.Diagnostics.AddAttributeError(path.Root("ca_cert"), "Invalid CA Certificate",
			"`ca_cert` (or PLACEOS_CA_CERT) holds no PEM certificate. Give the contents of a PEM bundle, "+
				"e.g. ca_cert = file(\"ca.pem\"), not a file path.")
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error Configuring PlaceOS Provider", err.Error())
		return
	}
	data := &providerData{client: client}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.EphemeralResourceData = data
	resp.ListResourceData = data
}

// clientConfig merges the provider block with the PLACEOS_* environment (the block wins) and
// checks it; every problem is reported against the attribute to fix.
func (p *placeosProvider) clientConfig(m providerModel, terraformVersion string, diags *diag.Diagnostics) placeos.Config {
	str := func(v types.String, env string) string {
		if !v.IsNull() && !v.IsUnknown() {
			return v.ValueString()
		}
		return os.Getenv(env)
	}
	for attr, v := range map[string]types.String{
		"url": m.URL, "api_key": m.APIKey, "access_token": m.AccessToken, "username": m.Username,
		"password": m.Password, "client_id": m.ClientID, "client_secret": m.ClientSecret,
	} {
		if v.IsUnknown() {
			diags.AddAttributeError(path.Root(attr), "Unknown PlaceOS Provider Setting",
				fmt.Sprintf("`%s` depends on a value that is only known after apply. The provider must be configured before "+
					"planning: use a value known at plan time, or apply the resources it depends on first (-target).", attr))
		}
	}
	if diags.HasError() {
		return placeos.Config{}
	}

	cfg := placeos.Config{
		URL:          str(m.URL, "PLACEOS_URL"),
		APIKey:       str(m.APIKey, "PLACEOS_API_KEY"),
		AccessToken:  str(m.AccessToken, "PLACEOS_ACCESS_TOKEN"),
		Username:     str(m.Username, "PLACEOS_USERNAME"),
		Password:     str(m.Password, "PLACEOS_PASSWORD"),
		ClientID:     str(m.ClientID, "PLACEOS_CLIENT_ID"),
		ClientSecret: str(m.ClientSecret, "PLACEOS_CLIENT_SECRET"),
		CACertPEM:    str(m.CACert, "PLACEOS_CA_CERT"),
		Now:          p.now,
		PageSize:     p.pageSize,
		UserAgent:    fmt.Sprintf("terraform-provider-placeos/%s (Terraform %s)", p.version, terraformVersion),
		Log: func(ctx context.Context, msg string, fields map[string]any) {
			tflog.Debug(ctx, msg, fields)
		},
	}

	// A url or TLS setting in the configuration was checked by ValidateConfig; one from the
	// environment is checked here.
	switch {
	case cfg.URL == "":
		diags.AddAttributeError(path.Root("url"), "Missing PlaceOS URL",
			"Set `url` in the provider block or the PLACEOS_URL environment variable to the PlaceOS domain's base URL, "+
				"e.g. https://placeos.example.com.")
	case m.URL.IsNull():
		checkURL(cfg.URL, diags)
	default:
		if _, err := placeos.ParseBaseURL(cfg.URL); err != nil {
			checkURL(cfg.URL, diags) // unknown when validated; its warnings were given then
		}
	}

	insecure := m.Insecure.ValueBool()
	if m.Insecure.IsNull() {
		if v := os.Getenv("PLACEOS_INSECURE"); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				diags.AddAttributeError(path.Root("insecure"), "Invalid PLACEOS_INSECURE",
					fmt.Sprintf("PLACEOS_INSECURE is %q; set it to true or false.", v))
			}
			insecure = b
		}
	}
	cfg.Insecure = insecure
	if m.Insecure.IsNull() || m.CACert.IsNull() {
		// Not both from the configuration (ValidateConfig saw that case).
		insecureFromEnv := m.Insecure.IsNull() && insecure
		caFromEnv := m.CACert.IsNull() && strings.TrimSpace(cfg.CACertPEM) != ""
		if insecureFromEnv || (insecure && caFromEnv) {
			checkTLS(insecure, strings.TrimSpace(cfg.CACertPEM) != "", diags)
		}
	}

	timeout := str(m.RequestTimeout, "PLACEOS_REQUEST_TIMEOUT")
	if timeout != "" {
		d, err := time.ParseDuration(timeout)
		if err != nil || d <= 0 {
			diags.AddAttributeError(path.Root("request_timeout"), "Invalid Request Timeout",
				fmt.Sprintf("`request_timeout` (or PLACEOS_REQUEST_TIMEOUT) is %q; give a positive Go duration such as 30s or 2m.", timeout))
		}
		cfg.RequestTimeout = d
	}

	cfg.MaxRetries = 4
	switch {
	case !m.MaxRetries.IsNull():
		cfg.MaxRetries = int(m.MaxRetries.ValueInt64())
	case os.Getenv("PLACEOS_MAX_RETRIES") != "":
		n, err := strconv.Atoi(os.Getenv("PLACEOS_MAX_RETRIES"))
		if err != nil {
			diags.AddAttributeError(path.Root("max_retries"), "Invalid PLACEOS_MAX_RETRIES",
				fmt.Sprintf("PLACEOS_MAX_RETRIES is %q; set it to a whole number such as 4.", os.Getenv("PLACEOS_MAX_RETRIES")))
		}
		cfg.MaxRetries = n
	}
	if cfg.MaxRetries < 0 || cfg.MaxRetries > 20 {
		diags.AddAttributeError(path.Root("max_retries"), "Invalid Max Retries",
			fmt.Sprintf("`max_retries` is %d; give a number from 0 to 20.", cfg.MaxRetries))
	}

	checkCredentials(cfg, diags)
	return cfg

}

// checkCredentials requires exactly one credential method and a complete password grant.
func checkCredentials(cfg placeos.Config, diags *diag.Diagnostics) {
	given := []bool{cfg.APIKey != "", cfg.AccessToken != "", cfg.Username != "" || cfg.Password != ""}
	var names []string
	for i, g := range given {
		if g {
			names = append(names, credentialMethods[i].attrs)
		}
	}
	all := make([]string, len(credentialMethods))
	for i, c := range credentialMethods {
		all[i] = fmt.Sprintf("%s (env %s)", c.attrs, c.envs)
	}
	switch {
	case len(names) == 0:
		diags.AddError("Missing PlaceOS Credentials",
			"Give exactly one credential method in the provider block or the environment:\n  - "+strings.Join(all, "\n  - "))
		return
	case len(names) > 1:
		diags.AddError("Conflicting PlaceOS Credentials",
			fmt.Sprintf("Both %s are set (in the provider block or the environment); give exactly one of:\n  - %s",
				strings.Join(names, " and "), strings.Join(all, "\n  - ")))
		return
	}
	if cfg.Username != "" || cfg.Password != "" {
		var missing []string
		if cfg.Username == "" {
			missing = append(missing, "`username` (PLACEOS_USERNAME)")
		}
		if cfg.Password == "" {
			missing = append(missing, "`password` (PLACEOS_PASSWORD)")
		}
		if cfg.ClientID == "" {
			missing = append(missing, "`client_id` (PLACEOS_CLIENT_ID)")
		}
		if len(missing) > 0 {
			diags.AddError("Incomplete PlaceOS Password Login",
				"The OAuth2 password grant needs `username`, `password` and `client_id`; missing: "+strings.Join(missing, ", ")+".")
		}
	}
}

func (p *placeosProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		func() resource.Resource { return &apiKeyResource{now: p.now} },
	}
}

func (p *placeosProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		func() datasource.DataSource { return &domainDataSource{} },
		func() datasource.DataSource { return &userDataSource{} },
		func() datasource.DataSource { return &apiKeysDataSource{} },
	}
}

func (p *placeosProvider) EphemeralResources(_ context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		func() ephemeral.EphemeralResource { return &apiKeyEphemeralResource{now: p.now} },
	}
}

func (p *placeosProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		func() list.ListResource { return &apiKeyListResource{} },
	}
}
