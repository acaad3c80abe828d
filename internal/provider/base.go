package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

// base holds what every resource and data source needs from the provider. Embedding
// resourceBase or dataSourceBase gives a type its Configure.
type base struct {
	client *placeos.Client
}

func (b *base) configure(raw any, diags *diag.Diagnostics) {
	if raw == nil {
		return // ValidateConfig and early plan calls come before the provider is configured
	}
	data, ok := raw.(*providerData)
	if !ok {
		diags.AddError("Unexpected Provider Data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", raw))
		return
	}
	b.client = data.client
}

type resourceBase struct{ base }

func (r *resourceBase) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.configure(req.ProviderData, &resp.Diagnostics)
}

type dataSourceBase struct{ base }

func (d *dataSourceBase) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.configure(req.ProviderData, &resp.Diagnostics)
}
