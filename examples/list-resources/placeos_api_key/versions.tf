terraform {
  required_providers {
    placeos = {
      source = "placeos/placeos"
    }
  }
}
