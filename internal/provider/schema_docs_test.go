package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// TestEverySchemaAttributeIsDocumented: the MarkdownDescription is the documentation
// (tfplugindocs renders it), so none may be empty, nested attributes included. The schemas are
// read as Terraform reads them, from the served provider's GetProviderSchema.
func TestEverySchemaAttributeIsDocumented(t *testing.T) {
	ctx := context.Background()
	resp, err := NewProtocol6Server(New("test"))().GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Errorf("GetProviderSchema: %s: %s", d.Summary, d.Detail)
	}
	markdown := func(description string, kind tfprotov6.StringKind) bool {
		return description != "" && kind == tfprotov6.StringKindMarkdown
	}
	var checkAttributes func(owner, prefix string, attrs []*tfprotov6.SchemaAttribute)
	checkAttributes = func(owner, prefix string, attrs []*tfprotov6.SchemaAttribute) {
		for _, a := range attrs {
			if !markdown(a.Description, a.DescriptionKind) {
				t.Errorf("%s: attribute %q has no MarkdownDescription", owner, prefix+a.Name)
			}
			if a.NestedType != nil {
				checkAttributes(owner, prefix+a.Name+".", a.NestedType.Attributes)
			}
		}
	}
	check := func(owner string, s *tfprotov6.Schema) {
		if !markdown(s.Block.Description, s.Block.DescriptionKind) {
			t.Errorf("%s has no MarkdownDescription", owner)
		}
		checkAttributes(owner, "", s.Block.Attributes)
	}

	check("provider", resp.Provider)
	count := 0
	for kind, schemas := range map[string]map[string]*tfprotov6.Schema{
		"resource": resp.ResourceSchemas, "data source": resp.DataSourceSchemas,
		"ephemeral resource": resp.EphemeralResourceSchemas, "list resource": resp.ListResourceSchemas,
	} {
		for name, s := range schemas {
			check(kind+" "+name, s)
			count++
		}
	}
	if count != 6 {
		t.Errorf("checked %d resources and data sources, want 6 (placeos_api_key, its ephemeral and list twins, and 3 data sources)", count)
	}
}
