package provider

import (
	"context"
	"iter"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
)

// Serve serves a provider over protocol 6, as providerserver.Serve does, with two changes
// that `make bench` showed to matter once a configuration has hundreds of resources (see
// BENCHMARKS.md):
//
//   - The framework's server keeps every request's context until StopProvider
//     (proto6server.registerContext in terraform-plugin-framework v1.19.0), and with it the
//     request's loggers and gRPC stream: about 8 to 19 KB per RPC, four RPCs per resource in
//     a plan. Each call's context is therefore handed over through a stand-in that is emptied
//     when the call returns, or for a streamed answer (list results) when the stream ends
//     (NewProtocol6Server).
//   - The SDK logs every RPC at TRACE level as JSON on stderr whatever the CLI's log level,
//     and the CLI parses each line only to drop it. When the CLI will not show provider logs
//     (neither TF_LOG nor TF_LOG_PROVIDER is set, which the plugin inherits from the CLI), the
//     SDK, framework and provider loggers are turned off at the source (quietUnreadLogs).
//
// In debug mode (-debug, for TF_REATTACH_PROVIDERS) the logs are kept: they go to the
// developer's terminal, not through the CLI.
func Serve(address string, providerFunc func() provider.Provider, debug bool) error {
	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	} else {
		quietUnreadLogs(address, os.LookupEnv, os.Setenv)
	}
	return tf6server.Serve(address, NewProtocol6Server(providerFunc), opts...)
}

// quietUnreadLogs turns the plugin-side loggers off when the CLI discards provider logs.
// A logger whose variable is already set keeps that level.
func quietUnreadLogs(address string, lookup func(string) (string, bool), set func(string, string) error) {
	for _, cli := range []string{"TF_LOG", "TF_LOG_PROVIDER"} {
		if v, _ := lookup(cli); v != "" && !strings.EqualFold(v, "off") {
			return // the CLI shows provider logs (an unknown level means TRACE to the CLI)
		}
	}
	// The provider's own logger is named after the last part of its address (terraform-plugin-go's
	// TF_LOG_PROVIDER_<NAME>); the others are the SDK root and its proto and framework subsystems.
	name := address[strings.LastIndex(address, "/")+1:]
	name = strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(name))
	for _, env := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER_" + name} {
		if _, ok := lookup(env); !ok {
			_ = set(env, "OFF")
		}
	}
}

// NewProtocol6Server is providerserver.NewProtocol6 with every call's context released when
// the call returns (see Serve). Every RPC that the framework's server answers is passed on,
// the optional ones (list resources, actions, state stores) included.
func NewProtocol6Server(providerFunc func() provider.Provider) func() tfprotov6.ProviderServer {
	return func() tfprotov6.ProviderServer {
		inner := providerserver.NewProtocol6(providerFunc())()
		if full, ok := inner.(fullProviderServer); ok {
			return &releasingServer{next: full}
		}
		// A framework whose server lacks one of the optional interfaces: serve it as it is
		// rather than answer "unimplemented" for RPCs it has.
		return inner
	}
}

// fullProviderServer is every interface of tfprotov6 that a provider server can implement:
// what the framework's server implements, and therefore what releasingServer forwards.
type fullProviderServer interface {
	tfprotov6.ProviderServer
	tfprotov6.ProviderServerWithListResource //nolint:staticcheck // the RPCs move into ProviderServer in a later terraform-plugin-go
	tfprotov6.ProviderServerWithActions      //nolint:staticcheck // as above
	tfprotov6.ProviderServerWithStateStores  //nolint:staticcheck // as above
}

// requestContext is what the framework sees of a call's context. It answers like the real one
// while the call runs, and like a cancelled, empty context once the call has returned, so that
// whatever the framework keeps of it no longer holds the call's loggers and stream.
type requestContext struct {
	ctx atomic.Pointer[ctxHolder]
}

type ctxHolder struct{ ctx context.Context }

// released is what a requestContext answers with after its call.
var released = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

func detach(ctx context.Context) (*requestContext, func()) {
	rc := &requestContext{}
	rc.ctx.Store(&ctxHolder{ctx: ctx})
	return rc, func() { rc.ctx.Store(nil) }
}

func (c *requestContext) current() context.Context {
	if h := c.ctx.Load(); h != nil {
		return h.ctx
	}
	return released
}

func (c *requestContext) Deadline() (time.Time, bool) { return c.current().Deadline() }
func (c *requestContext) Done() <-chan struct{}       { return c.current().Done() }
func (c *requestContext) Err() error                  { return c.current().Err() }
func (c *requestContext) Value(key any) any           { return c.current().Value(key) }

// releasingServer passes every RPC on to the framework's server with a requestContext.
// It implements fullProviderServer method by method, without embedding, so that a new RPC in
// one of those interfaces fails to compile here instead of bypassing the wrapper; a new
// interface fails TestReleasingServerForwardsEveryRPC.
type releasingServer struct {
	next fullProviderServer
}

var _ fullProviderServer = (*releasingServer)(nil)

func call[Req, Resp any](ctx context.Context, req Req, fn func(context.Context, Req) (Resp, error)) (Resp, error) {
	rc, release := detach(ctx)
	defer release()
	return fn(rc, req)
}

// callStream is call for an RPC that answers with a stream: the framework produces the
// stream's items lazily, with the call's context, while terraform-plugin-go sends them after
// the call has returned. The context is therefore released when the stream ends (or when
// the call fails without one).
func callStream[Req, Resp any](ctx context.Context, req Req, fn func(context.Context, Req) (*Resp, error),
	wrap func(*Resp, func()) bool,
) (*Resp, error) {
	rc, release := detach(ctx)
	resp, err := fn(rc, req)
	if err != nil || resp == nil || !wrap(resp, release) {
		release()
	}
	return resp, err
}

// releaseAfter yields what seq yields, then calls release. It reports false for a nil seq.
func releaseAfter[T any](seq *iter.Seq[T], release func()) bool {
	inner := *seq
	if inner == nil {
		return false
	}
	*seq = func(yield func(T) bool) {
		defer release()
		inner(yield)
	}
	return true
}

func (s *releasingServer) GetMetadata(ctx context.Context, req *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	return call(ctx, req, s.next.GetMetadata)
}

func (s *releasingServer) GetProviderSchema(ctx context.Context, req *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	return call(ctx, req, s.next.GetProviderSchema)
}

func (s *releasingServer) GetResourceIdentitySchemas(ctx context.Context, req *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	return call(ctx, req, s.next.GetResourceIdentitySchemas)
}

func (s *releasingServer) ValidateProviderConfig(ctx context.Context, req *tfprotov6.ValidateProviderConfigRequest) (*tfprotov6.ValidateProviderConfigResponse, error) {
	return call(ctx, req, s.next.ValidateProviderConfig)
}

func (s *releasingServer) ConfigureProvider(ctx context.Context, req *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	return call(ctx, req, s.next.ConfigureProvider)
}

func (s *releasingServer) StopProvider(ctx context.Context, req *tfprotov6.StopProviderRequest) (*tfprotov6.StopProviderResponse, error) {
	return call(ctx, req, s.next.StopProvider)
}

func (s *releasingServer) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return call(ctx, req, s.next.ValidateResourceConfig)
}

func (s *releasingServer) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return call(ctx, req, s.next.UpgradeResourceState)
}

func (s *releasingServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return call(ctx, req, s.next.ReadResource)
}

func (s *releasingServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	return call(ctx, req, s.next.PlanResourceChange)
}

func (s *releasingServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return call(ctx, req, s.next.ApplyResourceChange)
}

func (s *releasingServer) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return call(ctx, req, s.next.ImportResourceState)
}

func (s *releasingServer) MoveResourceState(ctx context.Context, req *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return call(ctx, req, s.next.MoveResourceState)
}

func (s *releasingServer) UpgradeResourceIdentity(ctx context.Context, req *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return call(ctx, req, s.next.UpgradeResourceIdentity)
}

func (s *releasingServer) GenerateResourceConfig(ctx context.Context, req *tfprotov6.GenerateResourceConfigRequest) (*tfprotov6.GenerateResourceConfigResponse, error) {
	return call(ctx, req, s.next.GenerateResourceConfig)
}

func (s *releasingServer) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return call(ctx, req, s.next.ValidateDataResourceConfig)
}

func (s *releasingServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return call(ctx, req, s.next.ReadDataSource)
}

func (s *releasingServer) CallFunction(ctx context.Context, req *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	return call(ctx, req, s.next.CallFunction)
}

func (s *releasingServer) GetFunctions(ctx context.Context, req *tfprotov6.GetFunctionsRequest) (*tfprotov6.GetFunctionsResponse, error) {
	return call(ctx, req, s.next.GetFunctions)
}

func (s *releasingServer) ValidateEphemeralResourceConfig(ctx context.Context, req *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	return call(ctx, req, s.next.ValidateEphemeralResourceConfig)
}

func (s *releasingServer) OpenEphemeralResource(ctx context.Context, req *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	return call(ctx, req, s.next.OpenEphemeralResource)
}

func (s *releasingServer) RenewEphemeralResource(ctx context.Context, req *tfprotov6.RenewEphemeralResourceRequest) (*tfprotov6.RenewEphemeralResourceResponse, error) {
	return call(ctx, req, s.next.RenewEphemeralResource)
}

func (s *releasingServer) CloseEphemeralResource(ctx context.Context, req *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	return call(ctx, req, s.next.CloseEphemeralResource)
}

func (s *releasingServer) ValidateListResourceConfig(ctx context.Context, req *tfprotov6.ValidateListResourceConfigRequest) (*tfprotov6.ValidateListResourceConfigResponse, error) {
	return call(ctx, req, s.next.ValidateListResourceConfig)
}

func (s *releasingServer) ListResource(ctx context.Context, req *tfprotov6.ListResourceRequest) (*tfprotov6.ListResourceServerStream, error) {
	return callStream(ctx, req, s.next.ListResource, func(r *tfprotov6.ListResourceServerStream, release func()) bool {
		return releaseAfter(&r.Results, release)
	})
}

func (s *releasingServer) ValidateActionConfig(ctx context.Context, req *tfprotov6.ValidateActionConfigRequest) (*tfprotov6.ValidateActionConfigResponse, error) {
	return call(ctx, req, s.next.ValidateActionConfig)
}

func (s *releasingServer) PlanAction(ctx context.Context, req *tfprotov6.PlanActionRequest) (*tfprotov6.PlanActionResponse, error) {
	return call(ctx, req, s.next.PlanAction)
}

func (s *releasingServer) InvokeAction(ctx context.Context, req *tfprotov6.InvokeActionRequest) (*tfprotov6.InvokeActionServerStream, error) {
	return callStream(ctx, req, s.next.InvokeAction, func(r *tfprotov6.InvokeActionServerStream, release func()) bool {
		return releaseAfter(&r.Events, release)
	})
}

func (s *releasingServer) ValidateStateStoreConfig(ctx context.Context, req *tfprotov6.ValidateStateStoreConfigRequest) (*tfprotov6.ValidateStateStoreConfigResponse, error) {
	return call(ctx, req, s.next.ValidateStateStoreConfig)
}

func (s *releasingServer) ConfigureStateStore(ctx context.Context, req *tfprotov6.ConfigureStateStoreRequest) (*tfprotov6.ConfigureStateStoreResponse, error) {
	return call(ctx, req, s.next.ConfigureStateStore)
}

func (s *releasingServer) ReadStateBytes(ctx context.Context, req *tfprotov6.ReadStateBytesRequest) (*tfprotov6.ReadStateBytesStream, error) {
	return callStream(ctx, req, s.next.ReadStateBytes, func(r *tfprotov6.ReadStateBytesStream, release func()) bool {
		return releaseAfter(&r.Chunks, release)
	})
}

// WriteStateBytes reads its request stream within the call.
func (s *releasingServer) WriteStateBytes(ctx context.Context, req *tfprotov6.WriteStateBytesStream) (*tfprotov6.WriteStateBytesResponse, error) {
	return call(ctx, req, s.next.WriteStateBytes)
}

func (s *releasingServer) GetStates(ctx context.Context, req *tfprotov6.GetStatesRequest) (*tfprotov6.GetStatesResponse, error) {
	return call(ctx, req, s.next.GetStates)
}

func (s *releasingServer) DeleteState(ctx context.Context, req *tfprotov6.DeleteStateRequest) (*tfprotov6.DeleteStateResponse, error) {
	return call(ctx, req, s.next.DeleteState)
}

func (s *releasingServer) LockState(ctx context.Context, req *tfprotov6.LockStateRequest) (*tfprotov6.LockStateResponse, error) {
	return call(ctx, req, s.next.LockState)
}

func (s *releasingServer) UnlockState(ctx context.Context, req *tfprotov6.UnlockStateRequest) (*tfprotov6.UnlockStateResponse, error) {
	return call(ctx, req, s.next.UnlockState)
}
