package provider

import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/list"
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
}

// The canary for releasingServer: it exists because the framework's server keeps every
// request's context until StopProvider. That came with the fix for "Resource context is not
// cancelled when apply aborted",
// https://github.com/hashicorp/terraform-plugin-framework/issues/781 (proto6server's
// registerContext appends a cancel function per RPC and drops them only in StopProvider).
// The day an upgrade frees them after each call, this test fails: then remove releasingServer
// and NewProtocol6Server from serve.go (Serve keeps quietUnreadLogs), and this test with them.
func TestFrameworkStillKeepsRequestContexts(t *testing.T) {
	const calls = 20
	if got := collectedAfterCalls(t, providerserver.NewProtocol6(New("test")())(), calls, time.Second); got > 0 {
		t.Errorf("the bare terraform-plugin-framework server freed %d of %d request contexts after their calls: it "+
			"no longer keeps them, so releasingServer and NewProtocol6Server (serve.go) are no longer needed; remove "+
			"them and serve with providerserver.NewProtocol6", got, calls)
	}
}

// releasingServer implements every RPC of every interface that the framework's server
// implements, with the same signature: an RPC added by an upgrade, in an interface that is
// new to releasingServer, fails here instead of being answered "unimplemented".
func TestReleasingServerForwardsEveryRPC(t *testing.T) {
	inner := providerserver.NewProtocol6(New("test")())()
	wrapped := NewProtocol6Server(New("test"))()
	if _, ok := wrapped.(*releasingServer); !ok {
		t.Fatalf("NewProtocol6Server served %T, not releasingServer: the framework's server lacks one of the "+
			"interfaces of fullProviderServer", wrapped)
	}
	ctxType := reflect.TypeFor[context.Context]()
	innerType, wrappedType := reflect.TypeOf(inner), reflect.TypeOf(wrapped)
	rpcs := 0
	for i := 0; i < innerType.NumMethod(); i++ {
		m := innerType.Method(i)
		// An RPC: (receiver, context.Context, request) (response, error).
		if m.Type.NumIn() != 3 || m.Type.In(1) != ctxType || m.Type.NumOut() != 2 {
			continue
		}
		rpcs++
		w, ok := wrappedType.MethodByName(m.Name)
		if !ok {
			t.Errorf("the framework's server answers %s, releasingServer does not pass it on: add it to "+
				"fullProviderServer and releasingServer (serve.go)", m.Name)
			continue
		}
		if w.Type.In(2) != m.Type.In(2) || w.Type.Out(0) != m.Type.Out(0) {
			t.Errorf("releasingServer.%s is %v, the framework's is %v", m.Name, w.Type, m.Type)
		}
	}
	if rpcs < 36 { // 23 of ProviderServer, 2 list, 3 action, 8 state store RPCs in terraform-plugin-go v0.31
		t.Errorf("found only %d RPCs on the framework's server (%v): the method filter above is wrong", rpcs, innerType)
	}
}

// streamingProvider has a resource with an identity and a list resource whose results are
// produced while the stream is read, after ListResource has returned (as the framework does).
type streamingProvider struct {
	listCtx chan context.Context // the context the list resource's List was given
}

func (p *streamingProvider) Metadata(_ context.Context, _ fwprovider.MetadataRequest, resp *fwprovider.MetadataResponse) {
	resp.TypeName = "streaming"
}
func (p *streamingProvider) Schema(context.Context, fwprovider.SchemaRequest, *fwprovider.SchemaResponse) {
}
func (p *streamingProvider) Configure(context.Context, fwprovider.ConfigureRequest, *fwprovider.ConfigureResponse) {
}
func (p *streamingProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }
func (p *streamingProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return &identifiedResource{} }}
}
func (p *streamingProvider) ListResources(context.Context) []func() list.ListResource {
	return []func() list.ListResource{func() list.ListResource { return &streamingList{listCtx: p.listCtx} }}
}

type identifiedResource struct{ blockingResource }

func (r *identifiedResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = apiKeyIdentitySchema
}

type streamingList struct{ listCtx chan context.Context }

func (l *streamingList) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_thing"
}
func (l *streamingList) ListResourceConfigSchema(context.Context, list.ListResourceSchemaRequest, *list.ListResourceSchemaResponse) {
}

// List names its one result after what the context holds when the result is produced.
func (l *streamingList) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	l.listCtx <- ctx
	stream.Results = func(push func(list.ListResult) bool) {
		r := req.NewListResult(ctx)
		r.DisplayName = fmt.Sprintf("value=%v err=%v", ctx.Value(payloadKey{}), ctx.Err())
		setKeyIdentity(ctx, r.Identity, "x", &r.Diagnostics)
		push(r)
	}
}

// A list's results are produced after ListResource returns: the call's context must still
// answer then, and be released once the stream has been read.
func TestProtocol6ServerKeepsContextForListStreams(t *testing.T) {
	listCtx := make(chan context.Context, 1)
	srv, ok := NewProtocol6Server(func() fwprovider.Provider { return &streamingProvider{listCtx: listCtx} })().(tfprotov6.ProviderServerWithListResource) //nolint:staticcheck // the interface that has ListResource in terraform-plugin-go v0.31
	if !ok {
		t.Fatal("the served provider does not answer ListResource")
	}
	empty, err := tfprotov6.NewDynamicValue(tftypes.Object{}, tftypes.NewValue(tftypes.Object{}, map[string]tftypes.Value{}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), payloadKey{}, "seen"))
	defer cancel()
	stream, err := srv.ListResource(ctx, &tfprotov6.ListResourceRequest{TypeName: "streaming_thing", Config: &empty})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for r := range stream.Results {
		for _, d := range r.Diagnostics {
			t.Errorf("list diagnostic: %s: %s", d.Summary, d.Detail)
		}
		got = append(got, r.DisplayName)
	}
	if want := "value=seen err=<nil>"; len(got) != 1 || got[0] != want {
		t.Errorf("results %q, want one named %q (the call's context while the stream is read)", got, want)
	}
	var seen context.Context
	select {
	case seen = <-listCtx:
	default:
		t.Fatal("List was not called")
	}
	if v := seen.Value(payloadKey{}); v != nil {
		t.Errorf("after the stream was read, the list's context still holds %v; want it released", v)
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
