package auth

import (
	"errors"
	"testing"
)

func TestFromAuthorizerClaims(t *testing.T) {
	tests := []struct {
		name    string
		claims  map[string]string
		want    Identity
		wantErr bool
	}{
		{
			name: "cognito ID token claims",
			claims: map[string]string{
				"sub": "abc-123", "email": "ada@example.com", "name": "Ada Lovelace",
				"cognito:username": "ada", "email_verified": "true", "token_use": "id",
			},
			want: Identity{Subject: "abc-123", Email: "ada@example.com", EmailVerified: true, Name: "Ada Lovelace"},
		},
		{
			name:   "name falls back to cognito:username",
			claims: map[string]string{"sub": "abc-123", "email": "ada@example.com", "cognito:username": "ada"},
			want:   Identity{Subject: "abc-123", Email: "ada@example.com", EmailVerified: true, Name: "ada"},
		},
		{
			name:   "access token claims fall back to username",
			claims: map[string]string{"sub": "abc-123", "username": "ada", "client_id": "c1", "token_use": "access"},
			want:   Identity{Subject: "abc-123", Name: "ada"},
		},
		{
			name:   "blank name skipped",
			claims: map[string]string{"sub": "abc-123", "name": "  ", "cognito:username": "ada"},
			want:   Identity{Subject: "abc-123", Name: "ada"},
		},
		{
			name:   "only sub",
			claims: map[string]string{"sub": "abc-123"},
			want:   Identity{Subject: "abc-123"},
		},
		{name: "missing sub", claims: map[string]string{"email": "ada@example.com"}, wantErr: true},
		{name: "blank sub", claims: map[string]string{"sub": " \t"}, wantErr: true},
		{name: "nil claims", claims: nil, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FromAuthorizerClaims(tt.claims)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("got %+v, want error", got)
				}
				if !errors.Is(err, ErrUnauthorized) {
					t.Errorf("error %q does not wrap ErrUnauthorized", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("FromAuthorizerClaims: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestIdentityEmailVerified(t *testing.T) {
	cases := []struct {
		claims map[string]string
		want   bool
	}{
		{map[string]string{"sub": "a", "email": "a@example.com"}, true}, // Cognito access token: address only once verified
		{map[string]string{"sub": "a", "email": "a@example.com", "email_verified": "true"}, true},
		{map[string]string{"sub": "a", "email": "a@example.com", "email_verified": "false"}, false},
		{map[string]string{"sub": "a", "email": "a@example.com", "email_verified": " FALSE "}, false},
		{map[string]string{"sub": "a", "email_verified": "true"}, false}, // no address
	}
	for _, c := range cases {
		id, err := FromAuthorizerClaims(c.claims)
		if err != nil {
			t.Fatal(err)
		}
		if id.EmailVerified != c.want {
			t.Errorf("%v: EmailVerified %v, want %v", c.claims, id.EmailVerified, c.want)
		}
	}
}
