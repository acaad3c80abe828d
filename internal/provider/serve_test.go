package provider

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

type payloadKey struct{}

// collectedAfterCalls makes calls GetMetadata calls, each with a context that carries a
// 64 KiB payload, and reports how many payloads the garbage collector could free within wait.
func collectedAfterCalls(t *testing.T, srv tfprotov6.ProviderServer, calls int, wait time.Duration) int {
	t.Helper()
	var collected atomic.Int32
	for i := 0; i < calls; i++ {
		payload := new([64 << 10]byte)
		runtime.AddCleanup(payload, func(c *atomic.Int32) { c.Add(1) }, &collected)
		ctx := context.WithValue(context.Background(), payloadKey{}, payload)
		if _, err := srv.GetMetadata(ctx, &tfprotov6.GetMetadataRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(wait)
	for int(collected.Load()) < calls && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	runtime.KeepAlive(srv) // what the server keeps is what this is about
	return int(collected.Load())
}

// The framework keeps a cancel function of every request context until StopProvider; through
// NewProtocol6Server what it keeps no longer holds the request's values.
func TestProtocol6ServerReleasesRequestContexts(t *testing.T) {
	const calls = 20
	if got := collectedAfterCalls(t, NewProtocol6Server(New("test"))(), calls, 5*time.Second); got != calls {
		t.Errorf("%d of %d request contexts were freed after their calls; want all", got, calls)
	}
	// For the record: the bare framework server keeps them. When an upgrade of
	// terraform-plugin-framework fixes that, releasingServer can go.
	if got := collectedAfterCalls(t, providerserver.NewProtocol6(New("test")())(), calls, 200*time.Millisecond); got == calls {
		t.Logf("terraform-plugin-framework no longer keeps request contexts: releasingServer (serve.go) may be removed")
	}
}

// blockingProvider has one resource whose Read waits for its context to end.
type blockingProvider struct {
	started chan any // receives ctx.Value(payloadKey{}) seen by Read
}

func (p *blockingProvider) Metadata(_ context.Context, _ fwprovider.MetadataRequest, resp *fwprovider.MetadataResponse) {
	resp.TypeName = "blocking"
}
func (p *blockingProvider) Schema(context.Context, fwprovider.SchemaRequest, *fwprovider.SchemaResponse) {
}
func (p *blockingProvider) Configure(context.Context, fwprovider.ConfigureRequest, *fwprovider.ConfigureResponse) {
}
func (p *blockingProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }
func (p *blockingProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return &blockingResource{started: p.started} }}
}

type blockingResource struct{ started chan any }

func (r *blockingResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_thing"
}
func (r *blockingResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{Attributes: map[string]schema.Attribute{"id": schema.StringAttribute{Computed: true}}}
}
func (r *blockingResource) Read(ctx context.Context, _ resource.ReadRequest, resp *resource.ReadResponse) {
	r.started <- ctx.Value(payloadKey{})
	<-ctx.Done()
	resp.Diagnostics.AddError("Read Cancelled", ctx.Err().Error())
}
func (r *blockingResource) Create(context.Context, resource.CreateRequest, *resource.CreateResponse) {
}
func (r *blockingResource) Update(context.Context, resource.UpdateRequest, *resource.UpdateResponse) {
}
func (r *blockingResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}

// While a call runs, its context answers as the real one: values reach the provider, and
// StopProvider (Terraform's interrupt) still cancels it.
func TestProtocol6ServerKeepsValuesAndCancellation(t *testing.T) {
	started := make(chan any, 1)
	srv := NewProtocol6Server(func() fwprovider.Provider { return &blockingProvider{started: started} })()

	objType := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"id": tftypes.String}}
	state, err := tfprotov6.NewDynamicValue(objType, tftypes.NewValue(objType, map[string]tftypes.Value{"id": tftypes.NewValue(tftypes.String, "x")}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.WithValue(context.Background(), payloadKey{}, "seen")
	var wg sync.WaitGroup
	var resp *tfprotov6.ReadResourceResponse
	var readErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		resp, readErr = srv.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: "blocking_thing", CurrentState: &state})
	}()
	select {
	case v := <-started:
		if v != "seen" {
			t.Errorf("Read saw the value %v, want %q", v, "seen")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Read did not start")
	}
	if _, err := srv.StopProvider(context.Background(), &tfprotov6.StopProviderRequest{}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("StopProvider did not cancel the running Read")
	}
	if readErr != nil {
		t.Fatal(readErr)
	}
	if len(resp.Diagnostics) == 0 || resp.Diagnostics[0].Summary != "Read Cancelled" {
		t.Errorf("Read returned %+v, want the Read Cancelled error", resp.Diagnostics)
	}
}

// NewProtocol6Server serves the RPCs of tfprotov6.ProviderServer only; a provider that gains
// list resources, actions or state stores needs releasingServer to pass those on first.
func TestServedProviderHasNoOptionalRPCs(t *testing.T) {
	p := New("test")()
	if _, ok := p.(fwprovider.ProviderWithListResources); ok {
		t.Error("the provider has list resources: add the ProviderServerWithListResource RPCs to releasingServer (serve.go)")
	}
	if _, ok := p.(fwprovider.ProviderWithActions); ok {
		t.Error("the provider has actions: add the ProviderServerWithActions RPCs to releasingServer (serve.go)")
	}
	if _, ok := p.(fwprovider.ProviderWithStateStores); ok {
		t.Error("the provider has state stores: add the ProviderServerWithStateStores RPCs to releasingServer (serve.go)")
	}
}

func TestQuietUnreadLogs(t *testing.T) {
	quiet := map[string]string{
		"TF_LOG_SDK": "OFF", "TF_LOG_SDK_PROTO": "OFF", "TF_LOG_SDK_FRAMEWORK": "OFF", "TF_LOG_PROVIDER_PLACEOS": "OFF",
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want map[string]string // what is set
	}{
		{"no CLI logging", nil, quiet},
		{"TF_LOG empty", map[string]string{"TF_LOG": ""}, quiet},
		{"TF_LOG off", map[string]string{"TF_LOG": "off"}, quiet},
		{"TF_LOG_CORE only", map[string]string{"TF_LOG_CORE": "TRACE"}, quiet},
		{"TF_LOG", map[string]string{"TF_LOG": "DEBUG"}, map[string]string{}},
		{"TF_LOG json", map[string]string{"TF_LOG": "json"}, map[string]string{}},
		{"TF_LOG_PROVIDER", map[string]string{"TF_LOG_PROVIDER": "trace"}, map[string]string{}},
		{"explicit SDK level kept", map[string]string{"TF_LOG_SDK_FRAMEWORK": "DEBUG"},
			map[string]string{"TF_LOG_SDK": "OFF", "TF_LOG_SDK_PROTO": "OFF", "TF_LOG_PROVIDER_PLACEOS": "OFF"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string]string{}
			lookup := func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }
			set := func(k, v string) error { got[k] = v; return nil }
			quietUnreadLogs("registry.terraform.io/placeos/placeos", lookup, set)
			if len(got) != len(tc.want) {
				t.Fatalf("set %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("set %v, want %v", got, tc.want)
				}
			}
		})
	}
}
