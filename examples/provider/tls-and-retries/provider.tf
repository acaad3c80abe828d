provider "placeos" {
  url = "https://placeos.internal.example.com"

  # A private CA: the PEM contents (not a path), trusted besides the system roots.
  ca_cert = file("${path.module}/placeos-ca.pem") # or PLACEOS_CA_CERT
  # insecure = true # skips certificate checks altogether: only for a throwaway test server

  request_timeout = "1m" # per HTTP request; default 30s
  max_retries     = 8    # for 429, 5xx and connection errors; default 4, 0 turns retries off
}
