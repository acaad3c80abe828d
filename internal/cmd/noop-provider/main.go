// Command noop-provider is the floor of `make bench` (internal/cmd/placeos-bench): a
// terraform-plugin-framework provider served as registry.terraform.io/placeos/placeos, protocol 6,
// with exactly the provider and `placeos_api_key` schemas of the real provider (validators and
// plan modifiers included, taken from internal/provider so they cannot drift), that does no I/O.
//
// Create and Update store the plan, with every value left unknown filled in locally (ids,
// secrets and timestamps are made up); Read returns the state unchanged; Delete does nothing.
// Whatever the real provider costs beyond this is the price of talking to PlaceOS.
//
// It is never a substitute for the real provider: the keys it "creates" do not exist.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"log"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	placeosprovider "github.com/placeos/terraform-provider-placeos/internal/provider"
)

func main() {
	debug := flag.Bool("debug", false, "serve in debug mode (prints TF_REATTACH_PROVIDERS)")
	flag.Parse()
	// Served exactly as the real provider is (provider.Serve), so that the floor differs from
	// it only in what the resource does.
	err := placeosprovider.Serve("registry.terraform.io/placeos/placeos", func() provider.Provider { return noopProvider{} }, *debug)
	if err != nil {
		log.Fatal(err)
	}
}

type noopProvider struct{}

func (noopProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "placeos"
	resp.Version = "noop"
}

func (noopProvider) Schema(ctx context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = placeosprovider.ProviderSchema(ctx)
}

// Configure reads nothing: no credentials are checked and no client is built.
func (noopProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (noopProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return noopAPIKey{} }}
}

func (noopProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

type noopAPIKey struct{}

var _ resource.ResourceWithImportState = noopAPIKey{}

func (noopAPIKey) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_api_key"
}

func (noopAPIKey) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = placeosprovider.APIKeyResourceSchema(ctx)
}

func (noopAPIKey) Create(_ context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	raw, err := fillUnknown(req.Plan.Raw, true)
	if err != nil {
		resp.Diagnostics.AddError("noop-provider", err.Error())
		return
	}
	resp.State.Raw = raw
}

// Read keeps the prior state, which the framework has already copied into resp.State.
func (noopAPIKey) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (noopAPIKey) Update(_ context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	raw, err := fillUnknown(req.Plan.Raw, false)
	if err != nil {
		resp.Diagnostics.AddError("noop-provider", err.Error())
		return
	}
	resp.State.Raw = raw
}

func (noopAPIKey) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

func (noopAPIKey) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}

// fillUnknown replaces every unknown value of a planned object: strings get a made-up value
// (an id of 32 hex characters, `<id>.<secret>` for x_api_key, the current time for
// timestamps, a name for a name_prefix key), expires_at and anything else that is not a
// string becomes null.
func fillUnknown(plan tftypes.Value, create bool) (tftypes.Value, error) {
	id := randomHex(16)
	now := time.Now().UTC().Format(time.RFC3339)
	var attrs map[string]tftypes.Value
	if err := plan.As(&attrs); err != nil {
		return tftypes.Value{}, err
	}
	if create {
		if v, ok := attrs["id"]; ok && v.IsKnown() && !v.IsNull() {
			_ = v.As(&id)
		}
	}
	return tftypes.Transform(plan, func(p *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if v.IsKnown() || len(p.Steps()) != 1 {
			return v, nil
		}
		name, _ := p.Steps()[0].(tftypes.AttributeName)
		if !v.Type().Is(tftypes.String) {
			return tftypes.NewValue(v.Type(), nil), nil
		}
		switch string(name) {
		case "id":
			return tftypes.NewValue(tftypes.String, id), nil
		case "x_api_key":
			return tftypes.NewValue(tftypes.String, id+"."+randomHex(24)), nil
		case "created_at", "updated_at":
			return tftypes.NewValue(tftypes.String, now), nil
		case "name":
			var prefix string
			if np, ok := attrs["name_prefix"]; ok && np.IsKnown() && !np.IsNull() {
				_ = np.As(&prefix)
			}
			return tftypes.NewValue(tftypes.String, prefix+time.Now().UTC().Format("20060102150405")+randomHex(4)), nil
		case "user_id":
			return tftypes.NewValue(tftypes.String, "user-noop"), nil
		case "authority_id":
			return tftypes.NewValue(tftypes.String, "authority-noop"), nil
		default:
			return tftypes.NewValue(tftypes.String, nil), nil
		}
	})
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
