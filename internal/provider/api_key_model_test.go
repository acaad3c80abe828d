package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// getModel and setModel must convert exactly as the framework's struct conversion does with
// apiKeyModel's tfsdk tags: every attribute, none swapped.
func TestAPIKeyModelObjectMatchesTags(t *testing.T) {
	ctx := context.Background()
	sch := APIKeyResourceSchema(ctx)
	if got, want := len((&apiKeyModel{}).attributes()), len(sch.Attributes); got != want {
		t.Fatalf("the model maps %d attributes, the schema has %d", got, want)
	}
	for name := range sch.Attributes {
		if _, ok := (&apiKeyModel{}).attributes()[name]; !ok {
			t.Errorf("attribute %q is not mapped in api_key_model.go", name)
		}
	}

	// A model whose every field holds a value of its own.
	var m apiKeyModel
	vals := map[string]attr.Value{}
	for name, typ := range apiKeyAttrTypes {
		switch typ {
		case types.StringType:
			vals[name] = types.StringValue("value of " + name)
		case types.SetType{ElemType: types.StringType}:
			vals[name] = types.SetValueMust(types.StringType, []attr.Value{types.StringValue("a"), types.StringValue("b.read")})
		case types.MapType{ElemType: types.StringType}:
			vals[name] = types.MapValueMust(types.StringType, map[string]attr.Value{"k": types.StringValue("v")})
		default:
			t.Fatalf("attribute %q has type %s: teach this test and api_key_model.go about it", name, typ)
		}
	}
	m.fromObject(types.ObjectValueMust(apiKeyAttrTypes, vals))

	viaTags := tfsdk.State{Schema: sch, Raw: tftypes.NewValue(sch.Type().TerraformType(ctx), nil)}
	if d := viaTags.Set(ctx, &m); d.HasError() {
		t.Fatal(d)
	}
	viaObject := tfsdk.State{Schema: sch, Raw: tftypes.NewValue(sch.Type().TerraformType(ctx), nil)}
	if d := setModel(ctx, &viaObject, &m); d.HasError() {
		t.Fatal(d)
	}
	if !viaTags.Raw.Equal(viaObject.Raw) {
		t.Fatalf("setModel wrote\n%s\nthe tags write\n%s", viaObject.Raw, viaTags.Raw)
	}

	var back, backTags apiKeyModel
	if d := getModel(ctx, viaTags, &back); d.HasError() {
		t.Fatal(d)
	}
	if d := viaTags.Get(ctx, &backTags); d.HasError() {
		t.Fatal(d)
	}
	for name, v := range backTags.attributes() {
		if !back.attributes()[name].Equal(v) {
			t.Errorf("getModel read %s = %s, the tags read %s", name, back.attributes()[name], v)
		}
		if !v.Equal(vals[name]) {
			t.Errorf("%s did not survive the round trip: %s, want %s", name, v, vals[name])
		}
	}
}
