terraform {
  required_version = ">= 1.12"
  required_providers {
    placeos = {
      source = "placeos/placeos"
    }
  }
}
