package docusign_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
)

// simEnv is a client wired to a running simulator. The client's sleeper advances the
// simulator's clock, so rate-limit waits pass without real sleeping.
type simEnv struct {
	sim      *docusigntest.Server
	client   *docusign.Client
	recorder *recorder
	waits    *[]time.Duration
}

func newSimEnv(t *testing.T, opts docusigntest.Options,
	configure ...func(*docusign.Config)) *simEnv {
	t.Helper()
	sim := docusigntest.NewServer(opts)
	t.Cleanup(sim.Close)
	creds := sim.Credentials()
	env := &simEnv{sim: sim, recorder: &recorder{}, waits: &[]time.Duration{}}
	var mu sync.Mutex
	cfg := docusign.Config{
		IntegrationKey: creds.IntegrationKey,
		UserID:         creds.UserID,
		PrivateKeyPEM:  creds.PrivateKeyPEM,
		AuthServer:     creds.AuthServer,
		RedirectURI:    "http://127.0.0.1:9/callback",
		Observer:       env.recorder,
		Retry: docusign.RetryPolicy{Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			*env.waits = append(*env.waits, d)
			mu.Unlock()
			sim.Advance(d)
			return ctx.Err()
		}},
	}
	for _, fn := range configure {
		fn(&cfg)
	}
	client, err := docusign.NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient with simulator credentials: %v", err)
	}
	env.client = client
	return env
}

// minimalPDF is a tiny PDF document for envelope fixtures.
const minimalPDF = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" +
	"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

func sentEnvelope(subject string) *docusign.EnvelopeDefinition {
	return &docusign.EnvelopeDefinition{
		Status:       "sent",
		EmailSubject: subject,
		Documents: []docusign.Document{{DocumentID: "1", Name: "Agreement.pdf",
			FileExtension:  "pdf",
			DocumentBase64: base64.StdEncoding.EncodeToString([]byte(minimalPDF))}},
		Recipients: &docusign.Recipients{
			Signers: []docusign.Signer{{RecipientID: "1", RoutingOrder: "1",
				Name: "Signer One", Email: "signer.one@example.test",
				Tabs: &docusign.Tabs{SignHereTabs: []docusign.Tab{{DocumentID: "1",
					PageNumber: "1", XPosition: "100", YPosition: "150"}}}}},
			CarbonCopies: []docusign.CarbonCopy{{RecipientID: "2", RoutingOrder: "2",
				Name: "Copy Two", Email: "copy.two@example.test"}},
		},
		CustomFields: &docusign.CustomFields{TextCustomFields: []docusign.TextCustomField{{
			Name: "Region", Value: "West", Show: "true"}}},
	}
}

func TestSimulatorEnvelopeLifecycle(t *testing.T) {
	env := newSimEnv(t, docusigntest.Options{})
	ctx := context.Background()
	started := time.Now().Add(-time.Minute)

	summary, resp, err := env.client.Envelopes.Create(ctx, sentEnvelope("Lease renewal"))
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	id := summary.EnvelopeID
	if summary.Status != "sent" || resp.StatusCode != http.StatusCreated {
		t.Errorf("Create = status %q HTTP %d, want sent 201", summary.Status, resp.StatusCode)
	}
	if resp.RateLimit.Limit <= 0 || resp.TraceToken == "" {
		t.Errorf("Response rate limit %+v, trace %q: want both from headers", resp.RateLimit,
			resp.TraceToken)
	}

	got, _, err := env.client.Envelopes.Get(ctx, id,
		&docusign.GetEnvelopeOptions{Include: []string{"custom_fields"}})
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got.Status != "sent" || got.EmailSubject != "Lease renewal" {
		t.Errorf("Get = %q %q, want sent, Lease renewal", got.Status, got.EmailSubject)
	}
	if _, err := docusign.ParseTime(got.SentDateTime); err != nil {
		t.Errorf("sentDateTime %q does not parse: %v", got.SentDateTime, err)
	}
	assertRecipients(t, env, id, "sent")

	list, _, err := env.client.Envelopes.ListStatusChanges(ctx, &docusign.ListStatusChangesOptions{
		FromDate: started, CustomField: "Region=West", Status: []string{"sent"}})
	if err != nil {
		t.Fatalf("ListStatusChanges: %v", err)
	}
	if len(list.Envelopes) != 1 || list.Envelopes[0].EnvelopeID != id {
		t.Errorf("ListStatusChanges = %d envelopes, want just %s", len(list.Envelopes), id)
	}

	if err := env.sim.Open(id, "1"); err != nil {
		t.Fatalf("simulator Open: %v", err)
	}
	got, _, err = env.client.Envelopes.Get(ctx, id, nil)
	if err != nil || got.Status != "delivered" {
		t.Fatalf("Get after the signer opened it = %v, %v; want delivered", got, err)
	}
	if err := env.sim.Sign(id, "1"); err != nil {
		t.Fatalf("simulator Sign: %v", err)
	}
	got, _, err = env.client.Envelopes.Get(ctx, id, nil)
	if err != nil || got.Status != "completed" {
		t.Fatalf("Get after signing = %v, %v; want completed", got, err)
	}
	assertDocuments(t, env, id)
}

func assertRecipients(t *testing.T, env *simEnv, id, wantStatus string) {
	t.Helper()
	recipients, _, err := env.client.Envelopes.ListRecipients(context.Background(), id)
	if err != nil {
		t.Fatalf("ListRecipients: %v", err)
	}
	if len(recipients.Signers) != 1 || len(recipients.CarbonCopies) != 1 {
		t.Fatalf("recipients = %d signers, %d carbon copies; want 1, 1",
			len(recipients.Signers), len(recipients.CarbonCopies))
	}
	signer := recipients.Signers[0]
	if signer.Status != wantStatus || signer.RecipientID != "1" || signer.RecipientIDGUID == "" {
		t.Errorf("signer = status %q id %q guid %q, want %s, 1 and a GUID", signer.Status,
			signer.RecipientID, signer.RecipientIDGUID, wantStatus)
	}
	if recipients.RecipientCount != "2" {
		t.Errorf("recipientCount = %q, want \"2\"", recipients.RecipientCount)
	}
}

func assertDocuments(t *testing.T, env *simEnv, id string) {
	t.Helper()
	ctx := context.Background()
	docs, _, err := env.client.Documents.List(ctx, id)
	if err != nil {
		t.Fatalf("Documents.List: %v", err)
	}
	var hasContent, hasCertificate bool
	for _, d := range docs.EnvelopeDocuments {
		hasContent = hasContent || (d.DocumentID == "1" && d.Type == "content")
		hasCertificate = hasCertificate || (d.DocumentID == "certificate" && d.Type == "summary")
	}
	if !hasContent || !hasCertificate {
		t.Errorf("documents %+v: content 1 %v, certificate %v; want both", docs.EnvelopeDocuments,
			hasContent, hasCertificate)
	}
	for _, docID := range []string{"1", "combined", "certificate", "archive"} {
		var buf bytes.Buffer
		info, _, err := env.client.Documents.Download(ctx, id, docID, &buf, 10<<20)
		if err != nil {
			t.Errorf("Download %s: %v", docID, err)
			continue
		}
		if info.Size != int64(buf.Len()) || info.Size == 0 || len(info.SHA256) != 64 {
			t.Errorf("Download %s info = %+v for %d bytes", docID, info, buf.Len())
		}
		wantType := "application/pdf"
		if docID == "archive" {
			wantType = "application/zip"
		}
		if info.ContentType != wantType {
			t.Errorf("Download %s content type = %q, want %q", docID, info.ContentType, wantType)
		}
	}
}

func TestSimulatorVoidAndResend(t *testing.T) {
	env := newSimEnv(t, docusigntest.Options{})
	ctx := context.Background()
	summary, _, err := env.client.Envelopes.Create(ctx, sentEnvelope("To void"))
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	id := summary.EnvelopeID

	if _, _, err := env.client.Envelopes.Resend(ctx, id); err != nil {
		t.Fatalf("Resend a sent envelope: %v", err)
	}
	if _, _, err := env.client.Envelopes.Void(ctx, id, "Wrong document attached"); err != nil {
		t.Fatalf("Void a sent envelope: %v", err)
	}
	got, _, err := env.client.Envelopes.Get(ctx, id, nil)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got.Status != "voided" || got.VoidedReason != "Wrong document attached" {
		t.Errorf("after void: %q %q, want voided with the reason", got.Status, got.VoidedReason)
	}

	_, _, err = env.client.Envelopes.Void(ctx, id, "Again")
	assertAPIError(t, err, http.StatusBadRequest, "ENVELOPE_CANNOT_VOID_INVALID_STATE")
	if docusign.IsRetryable(err) {
		t.Errorf("IsRetryable(void in wrong state) = true, want false")
	}
	if calls := env.sim.Calls()[docusigntest.OpUpdateEnvelope]; calls != 3 {
		t.Errorf("simulator served %d updates, want 3 (resend, void, rejected void)", calls)
	}
	if _, _, err := env.client.Envelopes.Resend(ctx, id); err == nil {
		t.Errorf("Resend of a voided envelope succeeded, want an error")
	}
}

func TestSimulatorTemplatesAndAccount(t *testing.T) {
	env := newSimEnv(t, docusigntest.Options{})
	ctx := context.Background()
	account, _, err := env.client.Accounts.Get(ctx)
	if err != nil {
		t.Fatalf("Accounts.Get: %v", err)
	}
	if account.AccountIDGUID != env.sim.Credentials().AccountID {
		t.Errorf("accountIdGuid = %q, want %q", account.AccountIDGUID,
			env.sim.Credentials().AccountID)
	}

	list, _, err := env.client.Templates.List(ctx, &docusign.ListTemplatesOptions{Count: 10})
	if err != nil {
		t.Fatalf("Templates.List: %v", err)
	}
	if len(list.EnvelopeTemplates) != 3 {
		t.Errorf("templates = %d, want the 3 seed templates", len(list.EnvelopeTemplates))
	}
	tmpl, _, err := env.client.Templates.Get(ctx, docusigntest.MutualNDATemplateID)
	if err != nil {
		t.Fatalf("Templates.Get: %v", err)
	}
	if tmpl.Recipients == nil || len(tmpl.Recipients.Signers) == 0 ||
		tmpl.Recipients.Signers[0].RoleName == "" {
		t.Fatalf("template %q has no signer role: %+v", tmpl.Name, tmpl.Recipients)
	}

	def := &docusign.EnvelopeDefinition{
		Status: "sent", TemplateID: tmpl.TemplateID, EmailSubject: "NDA",
		TemplateRoles: rolesFor(tmpl),
	}
	summary, _, err := env.client.Envelopes.Create(ctx, def)
	if err != nil {
		t.Fatalf("Create from template: %v", err)
	}
	if summary.Status != "sent" {
		t.Errorf("template envelope status = %q, want sent", summary.Status)
	}
}

// rolesFor fills every signer and carbon-copy role of a template with a test recipient.
func rolesFor(tmpl *docusign.EnvelopeTemplate) []docusign.TemplateRole {
	var roles []docusign.TemplateRole
	for i, s := range tmpl.Recipients.Signers {
		roles = append(roles, docusign.TemplateRole{RoleName: s.RoleName,
			Name: "Signer", Email: "signer" + string(rune('a'+i)) + "@example.test"})
	}
	for i, cc := range tmpl.Recipients.CarbonCopies {
		roles = append(roles, docusign.TemplateRole{RoleName: cc.RoleName,
			Name: "Copy", Email: "copy" + string(rune('a'+i)) + "@example.test"})
	}
	return roles
}

func TestSimulatorUnknownEnvelope(t *testing.T) {
	env := newSimEnv(t, docusigntest.Options{})
	_, _, err := env.client.Envelopes.Get(context.Background(),
		"00000000-0000-4000-8000-0000000000aa", nil)
	if !docusign.IsNotFound(err) {
		t.Fatalf("Get of an unknown envelope: error %v, want IsNotFound", err)
	}
	apiErr := assertAPIError(t, err, http.StatusBadRequest, "ENVELOPE_DOES_NOT_EXIST")
	if apiErr.Operation != "Envelopes:get" || apiErr.TraceToken == "" {
		t.Errorf("APIError operation %q trace %q, want Envelopes:get and a trace token",
			apiErr.Operation, apiErr.TraceToken)
	}
}

func TestSimulatorConsentRequired(t *testing.T) {
	const noConsentUser = "4d1e2f30-6a7b-4c8d-9e0f-0000000000c1"
	env := newSimEnv(t, docusigntest.Options{Users: []docusigntest.User{{ID: noConsentUser,
		Name: "No Consent", Email: "nc@example.test", NoConsent: true}}})
	ctx := docusign.WithUser(context.Background(), noConsentUser)
	_, _, err := env.client.Accounts.Get(ctx)
	var consent *docusign.ConsentRequiredError
	if !errors.As(err, &consent) {
		t.Fatalf("error %v is not a *ConsentRequiredError", err)
	}
	if !strings.HasPrefix(consent.ConsentURL, env.sim.URL+"/oauth/auth?") {
		t.Errorf("ConsentURL = %q, want the simulator's /oauth/auth", consent.ConsentURL)
	}
	if calls := env.sim.Calls()[docusigntest.OpToken]; calls != 1 {
		t.Errorf("token requests = %d, want 1: consent_required is never retried", calls)
	}
	if _, _, err := env.client.Accounts.Get(context.Background()); err != nil {
		t.Errorf("the default user still works: %v", err)
	}
}

func TestSimulatorExpiredTokenRenewed(t *testing.T) {
	clock := newFakeClock()
	env := newSimEnv(t, docusigntest.Options{Clock: clock.Now},
		func(c *docusign.Config) { c.Clock = clock.Now })
	ctx := context.Background()
	if _, _, err := env.client.Accounts.Get(ctx); err != nil {
		t.Fatalf("Accounts.Get: %v", err)
	}
	clock.Advance(61 * time.Minute)
	_, resp, err := env.client.Accounts.Get(ctx)
	if err != nil {
		t.Fatalf("Accounts.Get an hour later: %v", err)
	}
	if resp.Attempts != 1 {
		t.Errorf("Attempts = %d, want 1: the client renews an expired token before using it",
			resp.Attempts)
	}
	if calls := env.sim.Calls()[docusigntest.OpToken]; calls != 2 {
		t.Errorf("token requests = %d, want 2", calls)
	}
}

func TestSimulatorRevokedToken(t *testing.T) {
	env := newSimEnv(t, docusigntest.Options{})
	ctx := context.Background()
	if _, _, err := env.client.Accounts.Get(ctx); err != nil {
		t.Fatalf("Accounts.Get: %v", err)
	}
	env.sim.RevokeTokens(env.sim.Credentials().UserID)
	_, resp, err := env.client.Templates.List(ctx, nil)
	if err != nil {
		t.Fatalf("Templates.List with a revoked token: %v", err)
	}
	if resp.Attempts != 2 {
		t.Errorf("Attempts = %d, want 2 (401, then the new token)", resp.Attempts)
	}
	if calls := env.sim.Calls()[docusigntest.OpToken]; calls != 2 {
		t.Errorf("token requests = %d, want 2", calls)
	}
	records := env.recorder.Records()
	var unauthorized int
	for _, rec := range records {
		if rec.StatusCode == http.StatusUnauthorized &&
			rec.ErrorCode == "AUTHORIZATION_INVALID_TOKEN" {
			unauthorized++
		}
	}
	if unauthorized != 1 {
		t.Errorf("observer recorded %d AUTHORIZATION_INVALID_TOKEN responses, want 1",
			unauthorized)
	}
}

func TestSimulatorConcurrentCallersShareToken(t *testing.T) {
	env := newSimEnv(t, docusigntest.Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			_, _, err := env.client.Templates.List(context.Background(), nil)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Templates.List: %v", err)
		}
	}
	calls := env.sim.Calls()
	if calls[docusigntest.OpToken] != 1 || calls[docusigntest.OpUserInfo] != 1 {
		t.Errorf("token, userinfo requests = %d, %d; want 1, 1", calls[docusigntest.OpToken],
			calls[docusigntest.OpUserInfo])
	}
}

func TestSimulatorRateLimits(t *testing.T) {
	tests := []struct {
		name        string
		opts        docusigntest.Options
		budget      time.Duration
		wantErr     bool
		wantMinWait time.Duration
	}{
		{"burst 429 waited out", docusigntest.Options{BurstLimit: 3}, 0, false,
			time.Nanosecond},
		{"burst 400 waited out", docusigntest.Options{BurstLimit: 3, LimitStatus: 400}, 0,
			false, time.Nanosecond},
		{"hourly beyond budget", docusigntest.Options{HourlyLimit: 3, LimitStatus: 400}, 0, true,
			0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The simulator counts calls per clock hour, so the calls must not straddle an
			// hour boundary: the simulator and the client share a clock stopped 20 minutes
			// into the current hour, which stays near the real time for context deadlines.
			clock := newFakeClock()
			clock.Set(time.Now().Truncate(time.Hour).Add(20 * time.Minute))
			opts := tt.opts
			opts.Clock = clock.Now
			env := newSimEnv(t, opts, func(c *docusign.Config) { c.Clock = clock.Now })
			ctx := context.Background()
			var err error
			for range 5 {
				if _, _, err = env.client.Templates.List(ctx, nil); err != nil {
					break
				}
			}
			var rateErr *docusign.RateLimitError
			if tt.wantErr {
				if !errors.As(err, &rateErr) || rateErr.Reset.IsZero() {
					t.Fatalf("error = %v, want a *RateLimitError with a reset time", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Templates.List: %v", err)
			}
			if len(*env.waits) == 0 {
				t.Errorf("no waits recorded, want the burst limit waited out")
			}
		})
	}
}

func TestSimulatorStringDefaults(t *testing.T) {
	env := newSimEnv(t, docusigntest.Options{UserInfoStringDefaults: true,
		Accounts: []docusigntest.Account{{Name: "Second"}}})
	account, _, err := env.client.Accounts.Get(context.Background())
	if err != nil {
		t.Fatalf("Accounts.Get with string is_default: %v", err)
	}
	if account.AccountIDGUID != env.sim.Credentials().AccountID {
		t.Errorf("account = %q, want the default %q", account.AccountIDGUID,
			env.sim.Credentials().AccountID)
	}
}
