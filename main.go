// Command terraform-provider-placeos serves the PlaceOS Terraform provider over plugin protocol 6.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/placeos/terraform-provider-placeos/internal/provider"
)

// version is set by goreleaser (-X main.version=...).
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/placeos/placeos",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
