# The domain that the provider's url points at.
data "placeos_domain" "this" {}

# By host name (exact, case-insensitive).
data "placeos_domain" "branch" {
  domain = "branch.placeos.example.com"
}

# The domain whose email_domains hold the address's domain part.
data "placeos_domain" "for_email" {
  email = "jane@branch.example.com"
}

output "domain_id" {
  value = data.placeos_domain.this.id
}

# config is a JSON string.
output "branch_config" {
  value = jsondecode(data.placeos_domain.branch.config)
}
