package provider

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
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
	m, d := apiKeyModelFrom(types.ObjectValueMust(apiKeyAttrTypes, vals))
	if d.HasError() {
		t.Fatal(d)
	}

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

// An attribute of another type, or a missing one, is an error that names it; the model read
// is never partly filled.
func TestAPIKeyModelFromRejectsWrongTypes(t *testing.T) {
	good := (&apiKeyModel{
		ID: types.StringValue("k1"), Name: types.StringValue("door"), NamePrefix: types.StringNull(),
		Description: types.StringValue(""), UserID: types.StringValue("user-1"), AuthorityID: types.StringValue("authority-1"),
		Scopes:      types.SetValueMust(types.StringType, []attr.Value{types.StringValue("public")}),
		Permissions: types.StringValue("user"), ExpiresAt: types.StringNull(), TTL: types.StringNull(),
		RotateBefore: types.StringNull(), RotationTriggers: types.MapNull(types.StringType),
		XAPIKey: types.StringNull(), CreatedAt: types.StringNull(), UpdatedAt: types.StringNull(),
	}).attributes()
	if _, d := apiKeyModelFrom(types.ObjectValueMust(apiKeyAttrTypes, good)); d.HasError() {
		t.Fatalf("a well-typed object: %v", d)
	}
	for _, tc := range []struct {
		attribute string
		value     attr.Value // nil: left out
	}{
		{"name", types.Int64Value(1)},
		{"scopes", types.ListValueMust(types.StringType, nil)},
		{"rotation_triggers", types.StringValue("x")},
		{"id", nil},
	} {
		t.Run(tc.attribute, func(t *testing.T) {
			vals, typs := map[string]attr.Value{}, map[string]attr.Type{}
			for name, v := range good {
				if name == tc.attribute && tc.value == nil {
					continue
				}
				if name == tc.attribute {
					v = tc.value
				}
				vals[name], typs[name] = v, v.Type(context.Background())
			}
			m, d := apiKeyModelFrom(types.ObjectValueMust(typs, vals))
			if !d.HasError() {
				t.Fatalf("no error for %s = %v", tc.attribute, tc.value)
			}
			found := false
			for _, e := range d.Errors() {
				if strings.Contains(e.Detail(), "`"+tc.attribute+"`") || strings.Contains(e.Detail(), "attributes of placeos_api_key") {
					found = true
				}
			}
			if !found {
				t.Errorf("the error does not name %s: %v", tc.attribute, d)
			}
			if !reflect.DeepEqual(m, apiKeyModel{}) {
				t.Errorf("a partly filled model came back: %+v", m)
			}
		})
	}
}

// objectSource hands getModel a fixed object, as a plan or state would.
type objectSource struct{ o types.Object }

func (s objectSource) Get(_ context.Context, target any) diag.Diagnostics {
	*(target.(*types.Object)) = s.o //nolint:forcetypeassert // getModel always asks for an object
	return nil
}

// getModel leaves the model as it was when the object cannot be read whole.
func TestGetModelWritesWholeModelOrNothing(t *testing.T) {
	ctx := context.Background()
	before := apiKeyModel{ID: types.StringValue("untouched")}
	m := before
	partial := types.ObjectValueMust(map[string]attr.Type{"name": types.StringType}, map[string]attr.Value{"name": types.StringValue("door")})
	if d := getModel(ctx, objectSource{partial}, &m); !d.HasError() {
		t.Fatal("no error for an object with one attribute")
	}
	if !reflect.DeepEqual(m, before) {
		t.Errorf("getModel wrote part of an object it could not read: %+v", m)
	}

	var whole apiKeyModel
	vals := map[string]attr.Value{}
	for name, typ := range apiKeyAttrTypes {
		v, err := typ.ValueFromTerraform(ctx, tftypes.NewValue(typ.TerraformType(ctx), nil))
		if err != nil {
			t.Fatal(err)
		}
		vals[name] = v
	}
	vals["name"] = types.StringValue("door")
	if d := getModel(ctx, objectSource{types.ObjectValueMust(apiKeyAttrTypes, vals)}, &whole); d.HasError() {
		t.Fatal(d)
	}
	if whole.Name.ValueString() != "door" || !whole.ID.IsNull() {
		t.Errorf("getModel read name %s, id %s; want door, null", whole.Name, whole.ID)
	}
}
