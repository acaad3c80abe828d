terraform {
  required_providers {
    placeos = {
      source = "placeos/placeos"
    }
  }
}

# The URL and the credentials can also come from the environment:
#   export PLACEOS_URL=https://placeos.example.com
#   export PLACEOS_API_KEY='<id>.<secret>'
# and then `provider "placeos" {}` is all the configuration needs.
provider "placeos" {
  # The domain's own host name, exactly as in Backoffice > Domains.
  url = "https://placeos.example.com"
  # Credentials: PLACEOS_API_KEY from the environment (see "Authentication").
}
