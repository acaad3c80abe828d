# A key that exists only while Terraform runs: created when Terraform opens it,
# deleted when Terraform closes it, and expiring on the server after ttl in any
# case. It is never written to the state or a plan file.
ephemeral "placeos_api_key" "ci" {
  name_prefix = "ci-smoke-test-"
  description = "Short-lived key for one CI run"
  scopes      = ["systems.read"]
  ttl         = "30m"
}

# 1. Configure a provider with it: here a second placeos provider that acts
#    with the short-lived key's narrower scopes instead of the admin credentials.
provider "placeos" {
  alias   = "ci"
  url     = "https://placeos.example.com"
  api_key = ephemeral.placeos_api_key.ci.x_api_key
}

data "placeos_user" "ci" {
  provider = placeos.ci
  current  = true
}

# 2. Hand it to a provisioner (ephemeral values are allowed there too): a smoke
#    test that runs once, with a key that is gone when the run ends.
resource "terraform_data" "smoke_test" {
  input = data.placeos_user.ci.id

  provisioner "local-exec" {
    command = "curl -fsS -H \"X-API-Key: $PLACEOS_API_KEY\" https://placeos.example.com/api/engine/v2/systems?limit=1 >/dev/null"
    environment = {
      PLACEOS_API_KEY = ephemeral.placeos_api_key.ci.x_api_key
    }
  }
}
