# A PlaceOS panel (a room booking display, say) needs API keys. This demo makes
# two: one with every default, and one limited to reading systems and using
# modules. `make demo` runs it against the in-memory PlaceOS API.
#
# The provider takes its URL and credentials from the environment:
#   PLACEOS_URL=https://placeos.example.com PLACEOS_API_KEY=... terraform apply

terraform {
  required_providers {
    placeos = {
      source = "placeos/placeos"
    }
  }
}

provider "placeos" {}

# The domain that PLACEOS_URL points at.
data "placeos_domain" "this" {}

# Every default: acts as the user the provider authenticates as, scopes
# ["public"], permissions "user", no expiry. name_prefix gets a unique suffix.
resource "placeos_api_key" "panel" {
  name_prefix = "demo-panel-"
}

# Read access to systems and full access to modules, nothing else.
resource "placeos_api_key" "panel_readonly" {
  name        = "demo-panel-systems"
  description = "Demo panel: reads systems, drives modules"
  scopes      = ["systems.read", "modules"]
  permissions = "user"
}

output "domain_name" {
  description = "Name of the PlaceOS domain the keys belong to."
  value       = data.placeos_domain.this.name
}

output "domain" {
  description = "Host name of the PlaceOS domain."
  value       = data.placeos_domain.this.domain
}

output "panel_key_id" {
  value = placeos_api_key.panel.id
}

output "panel_readonly_key_id" {
  value = placeos_api_key.panel_readonly.id
}

output "panel_x_api_key" {
  description = "X-API-Key header value for the panel."
  value       = placeos_api_key.panel.x_api_key
  sensitive   = true
}

output "panel_readonly_x_api_key" {
  description = "X-API-Key header value for the read-only panel key."
  value       = placeos_api_key.panel_readonly.x_api_key
  sensitive   = true
}
