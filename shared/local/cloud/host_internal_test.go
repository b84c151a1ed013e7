package cloud

import "testing"

func TestIsTriggerHost(t *testing.T) {
	for host, want := range map[string]bool{
		"shop-dev.localhost:8090": true,
		"SHOP-DEV.LOCALHOST":      true,
		"shop-dev.localhost.":     true,
		"shop.localhost:8090":     true, // no stage: the router says so
		"a.b.localhost":           true,
		"localhost:8090":          false,
		"localhost":               false,
		".localhost":              false,
		"127.0.0.1:8090":          false,
		"[::1]:8090":              false,
		"shop-dev.example.com":    false,
		"evillocalhost":           false,
	} {
		if got := isTriggerHost(host); got != want {
			t.Errorf("isTriggerHost(%q) = %v, want %v", host, got, want)
		}
	}
}
