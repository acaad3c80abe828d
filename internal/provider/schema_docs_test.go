package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// describedAttribute is what every schema attribute type has in common here.
type describedAttribute interface {
	GetMarkdownDescription() string
}

// TestEverySchemaAttributeIsDocumented: the MarkdownDescription is the documentation
// (tfplugindocs renders it), so none may be empty, nested attributes included.
func TestEverySchemaAttributeIsDocumented(t *testing.T) {
	ctx := context.Background()
	p := &placeosProvider{}
	check := func(owner string, description string, attrs map[string]describedAttribute) {
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
	attrs := map[string]describedAttribute{}
	for n, a := range ps.Schema.Attributes {
		attrs[n] = a
	}
	check("provider", ps.Schema.MarkdownDescription, attrs)

	count := 0
	for _, f := range p.Resources(ctx) {
		r := f()
		var meta resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "placeos"}, &meta)
		var s resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &s)
		attrs := map[string]describedAttribute{}
		for n, a := range s.Schema.Attributes {
			attrs[n] = a
		}
		check("resource "+meta.TypeName, s.Schema.MarkdownDescription, attrs)
		count++
	}
	for _, f := range p.DataSources(ctx) {
		d := f()
		var meta datasource.MetadataResponse
		d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "placeos"}, &meta)
		var s datasource.SchemaResponse
		d.Schema(ctx, datasource.SchemaRequest{}, &s)
		attrs := map[string]describedAttribute{}
		for n, a := range s.Schema.Attributes {
			attrs[n] = a
			if nested, ok := a.(dsschema.ListNestedAttribute); ok {
				for nn, na := range nested.NestedObject.Attributes {
					attrs[n+"."+nn] = na
				}
			}
		}
		check("data source "+meta.TypeName, s.Schema.MarkdownDescription, attrs)
		count++
	}
	for _, f := range p.EphemeralResources(ctx) {
		e := f()
		var meta ephemeral.MetadataResponse
		e.Metadata(ctx, ephemeral.MetadataRequest{ProviderTypeName: "placeos"}, &meta)
		var s ephemeral.SchemaResponse
		e.Schema(ctx, ephemeral.SchemaRequest{}, &s)
		attrs := map[string]describedAttribute{}
		for n, a := range s.Schema.Attributes {
			attrs[n] = a
		}
		check("ephemeral resource "+meta.TypeName, s.Schema.MarkdownDescription, attrs)
		count++
	}
	if count != 5 {
		t.Errorf("checked %d resources and data sources, want 5 (placeos_api_key, its ephemeral twin, and 3 data sources)", count)
	}
}
