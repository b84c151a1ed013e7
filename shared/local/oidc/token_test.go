package oidc_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"polysynergy/shared/local/oidc"
)

// A token request with a JSON body (or none) was read as an empty form and refused as
// "unknown client_id": it says the body must be a form; a form without client_id says so.
func TestTokenEndpointSaysWhatIsWrongWithTheRequest(t *testing.T) {
	_, srv := start(t, t.TempDir())
	for _, tc := range []struct{ ctype, body, want string }{
		{"application/json", `{"grant_type":"refresh_token","client_id":"editor"}`, `the body must be application/x-www-form-urlencoded, not \"application/json\"`},
		{"", ``, `the body must be application/x-www-form-urlencoded, not \"\"`},
		{"application/x-www-form-urlencoded", `grant_type=refresh_token`, "client_id is required"},
		{"application/x-www-form-urlencoded; charset=UTF-8", `grant_type=refresh_token&client_id=someone`, `unknown client_id \"someone\"`},
		{"application/x-www-form-urlencoded;charset=UTF-8", `grant_type=refresh_token&client_id=` + client + `&refresh_token=x`, "unknown refresh token"},
	} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+oidc.PathToken, strings.NewReader(tc.body))
		if tc.ctype != "" {
			req.Header.Set("Content-Type", tc.ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 4 || !strings.Contains(string(b), tc.want) {
			t.Errorf("%s %s: %d %s; want %s", tc.ctype, tc.body, resp.StatusCode, b, tc.want)
		}
	}
}
