package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

var _ = resource.UnitTest

func testFactories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"placeos": providerserver.NewProtocol6WithError(New("test")()),
	}
}

func TestProviderBuilds(t *testing.T) { _ = testFactories() }
