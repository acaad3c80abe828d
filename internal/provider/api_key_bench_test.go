package provider

// Benchmarks of placeos_api_key's RPCs through the framework's server (NewProtocol6Server, as
// the provider binary serves them), against the in-memory PlaceOS API, without Terraform:
//
//	go test ./internal/provider -run '^$' -bench APIKeyResource -benchmem
//	go test ./internal/provider -run '^$' -bench APIKeyResourceRead -cpuprofile cpu.out
//
// `make bench` (internal/cmd/placeos-bench) measures the same through the Terraform CLI.

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

type rpcBench struct {
	b     *testing.B
	srv   *placeostest.Server
	ps    tfprotov6.ProviderServer
	rType tftypes.Object
}

func newRPCBench(b *testing.B) *rpcBench {
	b.Helper()
	for _, env := range []string{"PLACEOS_URL", "PLACEOS_API_KEY", "PLACEOS_ACCESS_TOKEN", "PLACEOS_USERNAME", "PLACEOS_PASSWORD"} {
		b.Setenv(env, "")
	}
	ctx := context.Background()
	srv := placeostest.NewServer()
	b.Cleanup(srv.Close)
	ps := NewProtocol6Server(New("bench"))()
	if _, err := ps.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{}); err != nil {
		b.Fatal(err)
	}
	pType := objectType(b, ProviderSchema(ctx).Type().TerraformType(ctx))
	vals := map[string]tftypes.Value{}
	for name, t := range pType.AttributeTypes {
		vals[name] = tftypes.NewValue(t, nil)
	}
	vals["url"] = tftypes.NewValue(tftypes.String, srv.URL())
	vals["api_key"] = tftypes.NewValue(tftypes.String, srv.Seed().AdminAPIKey)
	cfg := dynamic(b, pType, vals)
	resp, err := ps.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.11.4", Config: &cfg})
	if err != nil {
		b.Fatal(err)
	}
	failOnDiags(b, "ConfigureProvider", resp.Diagnostics)
	return &rpcBench{b: b, srv: srv, ps: ps, rType: objectType(b, APIKeyResourceSchema(ctx).Type().TerraformType(ctx))}
}

func objectType(b *testing.B, t tftypes.Type) tftypes.Object {
	b.Helper()
	o, ok := t.(tftypes.Object)
	if !ok {
		b.Fatalf("schema type is %T, not an object", t)
	}
	return o
}

func dynamic(b *testing.B, t tftypes.Object, vals map[string]tftypes.Value) tfprotov6.DynamicValue {
	b.Helper()
	var v tftypes.Value
	if vals == nil {
		v = tftypes.NewValue(t, nil)
	} else {
		v = tftypes.NewValue(t, vals)
	}
	dv, err := tfprotov6.NewDynamicValue(t, v)
	if err != nil {
		b.Fatal(err)
	}
	return dv
}

func failOnDiags(b *testing.B, rpc string, diags []*tfprotov6.Diagnostic) {
	b.Helper()
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			b.Fatalf("%s: %s: %s", rpc, d.Summary, d.Detail)
		}
	}
}

// config is a placeos_api_key configuration with a name and everything else unset.
func (r *rpcBench) config(name string) tfprotov6.DynamicValue {
	vals := map[string]tftypes.Value{}
	for attr, t := range r.rType.AttributeTypes {
		vals[attr] = tftypes.NewValue(t, nil)
	}
	vals["name"] = tftypes.NewValue(tftypes.String, name)
	return dynamic(r.b, r.rType, vals)
}

func (r *rpcBench) requests() int {
	n := 0
	for _, v := range r.srv.RequestCounts() {
		n += v
	}
	return n
}

// create plans and applies one key, as `terraform apply` does, and returns its state.
func (r *rpcBench) create(ctx context.Context, name string) *tfprotov6.DynamicValue {
	cfg := r.config(name)
	null := dynamic(r.b, r.rType, nil)
	v, err := r.ps.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: "placeos_api_key", Config: &cfg})
	if err != nil {
		r.b.Fatal(err)
	}
	failOnDiags(r.b, "ValidateResourceConfig", v.Diagnostics)
	plan, err := r.ps.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: "placeos_api_key", PriorState: &null, ProposedNewState: &cfg, Config: &cfg,
	})
	if err != nil {
		r.b.Fatal(err)
	}
	failOnDiags(r.b, "PlanResourceChange", plan.Diagnostics)
	applied, err := r.ps.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
		TypeName: "placeos_api_key", PriorState: &null, PlannedState: plan.PlannedState, Config: &cfg,
		PlannedPrivate: plan.PlannedPrivate,
	})
	if err != nil {
		r.b.Fatal(err)
	}
	failOnDiags(r.b, "ApplyResourceChange (create)", applied.Diagnostics)
	return applied.NewState
}

func (r *rpcBench) destroy(ctx context.Context, state *tfprotov6.DynamicValue) {
	null := dynamic(r.b, r.rType, nil)
	resp, err := r.ps.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
		TypeName: "placeos_api_key", PriorState: state, PlannedState: &null, Config: &null,
	})
	if err != nil {
		r.b.Fatal(err)
	}
	failOnDiags(r.b, "ApplyResourceChange (delete)", resp.Diagnostics)
}

// BenchmarkAPIKeyResourceLifecycle: validate, plan and apply a new key, then delete it: the
// RPCs of `terraform apply` and `terraform destroy -refresh=false` for one key. requests/op
// must stay 2 (POST, DELETE); the provider's user lookup is made once per provider instance.
func BenchmarkAPIKeyResourceLifecycle(b *testing.B) {
	r := newRPCBench(b)
	ctx := context.Background()
	r.destroy(ctx, r.create(ctx, "warm-up")) // the one user lookup
	r.srv.ResetCounts()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		r.destroy(ctx, r.create(ctx, fmt.Sprintf("bench-%d", n)))
		n++
	}
	b.ReportMetric(float64(r.requests())/float64(n), "requests/op")
}

// BenchmarkAPIKeyResourceRead: one ReadResource, the refresh that `terraform plan` makes per
// key. requests/op must stay 1.
func BenchmarkAPIKeyResourceRead(b *testing.B) {
	r := newRPCBench(b)
	ctx := context.Background()
	state := r.create(ctx, "read-me")
	r.srv.ResetCounts()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		resp, err := r.ps.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: "placeos_api_key", CurrentState: state})
		if err != nil {
			b.Fatal(err)
		}
		failOnDiags(b, "ReadResource", resp.Diagnostics)
		n++
	}
	b.ReportMetric(float64(r.requests())/float64(n), "requests/op")
}

// BenchmarkAPIKeyResourcePlan: ValidateResourceConfig and PlanResourceChange of an unchanged
// key, what `terraform plan` adds per key to the refresh (BenchmarkAPIKeyResourceRead). The plan
// must make no request and plan no change.
func BenchmarkAPIKeyResourcePlan(b *testing.B) {
	r := newRPCBench(b)
	ctx := context.Background()
	cfg := r.config("plan-me")
	state := r.create(ctx, "plan-me")
	r.srv.ResetCounts()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		v, err := r.ps.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: "placeos_api_key", Config: &cfg})
		if err != nil {
			b.Fatal(err)
		}
		failOnDiags(b, "ValidateResourceConfig", v.Diagnostics)
		plan, err := r.ps.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
			TypeName: "placeos_api_key", PriorState: state, ProposedNewState: state, Config: &cfg,
		})
		if err != nil {
			b.Fatal(err)
		}
		failOnDiags(b, "PlanResourceChange", plan.Diagnostics)
		if len(plan.RequiresReplace) != 0 {
			b.Fatalf("an unchanged key was planned for replacement: %v", plan.RequiresReplace)
		}
		n++
	}
	b.ReportMetric(float64(r.requests())/float64(n), "requests/op")
}
