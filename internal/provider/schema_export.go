package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	pschema "github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// The schemas below are exported for internal/cmd/noop-provider, the benchmark's floor: a
// provider with exactly these schemas that does no I/O, so that `make bench` compares the same
// configuration against both without a copy of the schema that could drift.

// ProviderSchema is the schema of the `placeos` provider block.
func ProviderSchema(ctx context.Context) pschema.Schema {
	var resp provider.SchemaResponse
	(&placeosProvider{}).Schema(ctx, provider.SchemaRequest{}, &resp)
	return resp.Schema
}

// APIKeyResourceSchema is the schema of the `placeos_api_key` resource, validators and plan
// modifiers included.
func APIKeyResourceSchema(ctx context.Context) rschema.Schema {
	var resp resource.SchemaResponse
	(&apiKeyResource{}).Schema(ctx, resource.SchemaRequest{}, &resp)
	return resp.Schema
}
