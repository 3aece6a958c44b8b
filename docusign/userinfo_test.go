package docusign_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/ys88io/docusign-mcp/docusign"
)

// userinfoWith returns a userinfo handler that responds with a raw accounts JSON array, in
// which BASE stands for the fake server's URL.
func userinfoWith(f *fakeDocusign, accounts string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		body := `{"sub":"` + testUserID + `","accounts":` +
			strings.ReplaceAll(accounts, "BASE", f.srv.URL) + `}`
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}
}

func TestUserinfoAccountSelection(t *testing.T) {
	tests := []struct {
		name      string
		accounts  string
		accountID string
		wantPath  string
		wantErr   string
	}{
		{
			name: "is_default as bool",
			accounts: `[{"account_id":"` + testOtherAccountID + `","is_default":false,` +
				`"base_uri":"BASE"},{"account_id":"` + testAccountID + `","is_default":true,` +
				`"base_uri":"BASE"}]`,
			wantPath: restPath(""),
		},
		{
			name: "is_default as string",
			accounts: `[{"account_id":"` + testOtherAccountID + `","is_default":"false",` +
				`"base_uri":"BASE"},{"account_id":"` + testAccountID + `","is_default":"true",` +
				`"base_uri":"BASE"}]`,
			wantPath: restPath(""),
		},
		{
			name: "configured account wins over default",
			accounts: `[{"account_id":"` + testAccountID + `","is_default":"true",` +
				`"base_uri":"BASE"},{"account_id":"` + testOtherAccountID + `",` +
				`"is_default":"false","base_uri":"BASE"}]`,
			accountID: testOtherAccountID,
			wantPath:  "/restapi/v2.1/accounts/" + testOtherAccountID,
		},
		{
			name: "configured account missing lists ids",
			accounts: `[{"account_id":"` + testAccountID + `","is_default":true,` +
				`"base_uri":"BASE"}]`,
			accountID: testOtherAccountID,
			wantErr:   testAccountID,
		},
		{
			name: "no default is an error, not the first",
			accounts: `[{"account_id":"` + testAccountID + `","is_default":false,` +
				`"base_uri":"BASE"},{"account_id":"` + testOtherAccountID +
				`","is_default":"false","base_uri":"BASE"}]`,
			wantErr: "no account is marked is_default",
		},
		{name: "no accounts", accounts: `[]`, wantErr: "no account"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, func(c *docusign.Config) { c.AccountID = tt.accountID })
			env.fake.userinfo = userinfoWith(env.fake, tt.accounts)
			var gotPath string
			env.fake.setREST(func(w http.ResponseWriter, r *http.Request) {
				gotPath = r.URL.Path
				writeJSON(w, http.StatusOK, map[string]string{})
			})
			_, _, err := env.client.Accounts.Get(context.Background())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Accounts.Get: %v", err)
			}
			if gotPath != tt.wantPath {
				t.Errorf("REST path = %q, want %q", gotPath, tt.wantPath)
			}
		})
	}
}

func TestUserinfoBaseURIForms(t *testing.T) {
	tests := []struct {
		name   string
		suffix string
	}{
		{"bare origin", ""},
		{"trailing slash", "/"},
		{"already ends in restapi", "/restapi"},
		{"restapi with slash", "/restapi/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t)
			env.fake.userinfo = userinfoWith(env.fake, `[{"account_id":"`+testAccountID+
				`","is_default":true,"base_uri":"BASE`+tt.suffix+`"}]`)
			var gotPath string
			env.fake.setREST(func(w http.ResponseWriter, r *http.Request) {
				gotPath = r.URL.Path
				writeJSON(w, http.StatusOK, map[string]string{})
			})
			if _, _, err := env.client.Accounts.Get(context.Background()); err != nil {
				t.Fatalf("Accounts.Get: %v", err)
			}
			if gotPath != restPath("") {
				t.Errorf("REST path = %q, want %q (restapi exactly once)", gotPath, restPath(""))
			}
		})
	}
}

func TestUserinfoRejectsPlainHTTPBase(t *testing.T) {
	tests := []struct {
		name    string
		baseURI string
		wantErr string
	}{
		{"plain http on a public host", "http://na3.docusign.net", "plain http"},
		{"not a URL", "na3.docusign.net", "not an absolute URL"},
		{"ftp scheme", "ftp://na3.docusign.net", "use https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t)
			env.fake.userinfo = userinfoWith(env.fake, `[{"account_id":"`+testAccountID+
				`","is_default":true,"base_uri":"`+tt.baseURI+`"}]`)
			_, _, err := env.client.Accounts.Get(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
			if _, _, rests := env.fake.counts(); rests != 0 {
				t.Errorf("REST requests = %d, want 0", rests)
			}
		})
	}
}

func TestUserInfoMethod(t *testing.T) {
	env := newTestEnv(t)
	info, err := env.client.UserInfo(context.Background())
	if err != nil {
		t.Fatalf("UserInfo: %v", err)
	}
	if len(info.Accounts) != 2 {
		t.Fatalf("accounts = %d, want 2", len(info.Accounts))
	}
	if !bool(info.Accounts[1].IsDefault) || bool(info.Accounts[0].IsDefault) {
		t.Errorf("is_default = %v, %v; want false, true",
			info.Accounts[0].IsDefault, info.Accounts[1].IsDefault)
	}
}
