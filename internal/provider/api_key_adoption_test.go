package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// `scopes = []` and a resource named twice are kept only for a key that PlaceOS already holds
// with them (adopted); changing a key's scopes to either is refused at plan time, before any
// request.
func TestAPIKeyScopeRulesHoldForChanges(t *testing.T) {
	s := newServer(t)
	cliTest(t,
		resource.TestStep{Config: keyConfig(s, `name = "door-10"`)},
		resource.TestStep{
			PreConfig:   s.ResetCounts,
			Config:      keyConfig(s, `name = "door-10"`+"\n"+`scopes = []`),
			ExpectError: regexp.MustCompile(`(?s)No Scopes.*scopes. is empty`),
		},
		resource.TestStep{
			Config:      keyConfig(s, `name = "door-10"`+"\n"+`scopes = ["api_keys.read", "api_keys.write"]`),
			ExpectError: regexp.MustCompile(`Resource Named More Than Once in Scopes`),
		},
		resource.TestStep{
			Config: keyConfig(s, `name = "door-10"`),
			Check: func(*terraform.State) error {
				if n := s.Requests(patchKey); n != 0 {
					return fmt.Errorf("the refused plan sent %d updates", n)
				}
				return nil
			},
		},
	)
}
