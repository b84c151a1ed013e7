package apigw_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"polysynergy/shared/local/apigw"
)

// API Gateway adds X-Forwarded-For (the client's address after any it sent),
// X-Forwarded-Proto, X-Forwarded-Port and X-Amzn-Trace-Id to every request it passes on; a
// flow building links or reading the caller's address from them found none locally.
func TestEventHasTheHeadersAPIGatewayAdds(t *testing.T) {
	var r recorder
	srv := httptest.NewServer(apigw.HTTPAPI(r.fn, apigw.HTTPOptions{Name: "router"}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	for name, sent := range map[string]string{"none sent": "", "sent": "203.0.113.7"} {
		req, _ := http.NewRequest("GET", srv.URL+"/x", nil)
		if sent != "" {
			req.Header.Set("X-Forwarded-For", sent)
			req.Header.Set("X-Amzn-Trace-Id", "Root=1-5e7fe714-fee6909429159440eb352c40")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := r.last(t).Headers
		wantXFF, wantTrace := "127.0.0.1", regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$`)
		if sent != "" {
			wantXFF, wantTrace = sent+", 127.0.0.1", regexp.MustCompile(`^Root=1-5e7fe714-fee6909429159440eb352c40$`)
		}
		if h["x-forwarded-for"] != wantXFF || h["x-forwarded-proto"] != "http" || h["x-forwarded-port"] != port || !wantTrace.MatchString(h["x-amzn-trace-id"]) {
			t.Errorf("%s: headers %q; want x-forwarded-for %q, proto http, port %s and a trace id", name, h, wantXFF, port)
		}
	}
}
