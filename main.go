// Command terraform-provider-placeos serves the PlaceOS Terraform provider over plugin protocol 6.
package main

import (
	"flag"
	"log"

	"github.com/placeos/terraform-provider-placeos/internal/provider"
)

// version is set by goreleaser (-X main.version=...).
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	// provider.Serve is providerserver.Serve plus two fixes for large configurations
	// (see internal/provider/serve.go and BENCHMARKS.md).
	err := provider.Serve("registry.terraform.io/placeos/placeos", provider.New(version), debug)
	if err != nil {
		log.Fatal(err.Error())
	}
}
