package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// describedAttribute is what every schema attribute type has in common here.
type describedAttribute interface {
	GetMarkdownDescription() string
}

// attributesOf flattens a schema's attributes, nested list attributes included.
func attributesOf[A describedAttribute](attrs map[string]A) map[string]describedAttribute {
	out := map[string]describedAttribute{}
	for name, a := range attrs {
		out[name] = a
		if nested, ok := any(a).(dsschema.ListNestedAttribute); ok {
			for nestedName, na := range nested.NestedObject.Attributes {
				out[name+"."+nestedName] = na
			}
		}
	}
	return out
}

// TestEverySchemaAttributeIsDocumented: the MarkdownDescription is the documentation
// (tfplugindocs renders it), so none may be empty, nested attributes included.
func TestEverySchemaAttributeIsDocumented(t *testing.T) {
	ctx := context.Background()
	p := &placeosProvider{}
	check := func(owner, description string, attrs map[string]describedAttribute) {
		if description == "" {
			t.Errorf("%s has no MarkdownDescription", owner)
		}
		for name, a := range attrs {
			if a.GetMarkdownDescription() == "" {
				t.Errorf("%s: attribute %q has no MarkdownDescription", owner, name)
			}
		}
	}

	var ps provider.SchemaResponse
	p.Schema(ctx, provider.SchemaRequest{}, &ps)
	check("provider", ps.Schema.MarkdownDescription, attributesOf(ps.Schema.Attributes))

	count := 0
	for _, f := range p.Resources(ctx) {
		var meta resource.MetadataResponse
		var s resource.SchemaResponse
		f().Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "placeos"}, &meta)
		f().Schema(ctx, resource.SchemaRequest{}, &s)
		check("resource "+meta.TypeName, s.Schema.MarkdownDescription, attributesOf(s.Schema.Attributes))
		count++
	}
	for _, f := range p.DataSources(ctx) {
		var meta datasource.MetadataResponse
		var s datasource.SchemaResponse
		f().Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "placeos"}, &meta)
		f().Schema(ctx, datasource.SchemaRequest{}, &s)
		check("data source "+meta.TypeName, s.Schema.MarkdownDescription, attributesOf(s.Schema.Attributes))
		count++
	}
	for _, f := range p.EphemeralResources(ctx) {
		var meta ephemeral.MetadataResponse
		var s ephemeral.SchemaResponse
		f().Metadata(ctx, ephemeral.MetadataRequest{ProviderTypeName: "placeos"}, &meta)
		f().Schema(ctx, ephemeral.SchemaRequest{}, &s)
		check("ephemeral resource "+meta.TypeName, s.Schema.MarkdownDescription, attributesOf(s.Schema.Attributes))
		count++
	}
	for _, f := range p.ListResources(ctx) {
		var meta resource.MetadataResponse
		var s list.ListResourceSchemaResponse
		f().Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "placeos"}, &meta)
		f().ListResourceConfigSchema(ctx, list.ListResourceSchemaRequest{}, &s)
		check("list resource "+meta.TypeName, s.Schema.MarkdownDescription, attributesOf(s.Schema.Attributes))
		count++
	}
	if count != 6 {
		t.Errorf("checked %d resources and data sources, want 6 (placeos_api_key, its ephemeral and list twins, and 3 data sources)", count)
	}
}
