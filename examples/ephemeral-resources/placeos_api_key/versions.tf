terraform {
  # Ephemeral resources: Terraform >= 1.10 or OpenTofu >= 1.11.
  required_version = ">= 1.10"
  required_providers {
    placeos = {
      source = "placeos/placeos"
    }
  }
}
