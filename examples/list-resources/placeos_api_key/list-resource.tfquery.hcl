# adopt.tfquery.hcl: the room panel keys of one domain (Terraform >= 1.14).
#   terraform query                                   lists them
#   terraform query -generate-config-out=adopted.tf   writes import and resource blocks
list "placeos_api_key" "panels" {
  provider = placeos
  limit    = 500 # Terraform's default is 100 results per list block

  config {
    authority_id = "authority-E2Xb6t3cqW"
    name_regex   = "^panel-"
  }
}
