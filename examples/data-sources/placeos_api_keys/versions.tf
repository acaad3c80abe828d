terraform {
  required_version = ">= 1.6"
  required_providers {
    placeos = {
      source = "placeos/placeos"
    }
  }
}
