variable "placeos_password" {
  type      = string
  sensitive = true
}

# OAuth2 password grant: a local (not SSO) admin user of the domain and an OAuth
# application of the same domain (Backoffice > Domains > Applications).
provider "placeos" {
  url       = "https://placeos.example.com"
  username  = "terraform@example.com"    # or PLACEOS_USERNAME
  password  = var.placeos_password       # or PLACEOS_PASSWORD
  client_id = "3ad5c71cc7a1a2bd3c1c2f6d" # or PLACEOS_CLIENT_ID
  # client_secret = var.placeos_client_secret # or PLACEOS_CLIENT_SECRET; only for confidential applications
}
