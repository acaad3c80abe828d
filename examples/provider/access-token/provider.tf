variable "placeos_access_token" {
  description = "A bearer token (JWT) of an admin user of the domain."
  type        = string
  sensitive   = true
}

provider "placeos" {
  url          = "https://placeos.example.com"
  access_token = var.placeos_access_token # or PLACEOS_ACCESS_TOKEN; used as is, never refreshed
}
