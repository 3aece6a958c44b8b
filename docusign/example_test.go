package docusign_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"log"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
)

// This example sends an envelope through the simulator and reads its status back. Against
// Docusign, AuthServer is https://account-d.docusign.com and the other fields come from the
// app's settings.
func Example() {
	sim := docusigntest.NewServer(docusigntest.Options{})
	defer sim.Close()
	creds := sim.Credentials()

	client, err := docusign.NewClient(docusign.Config{
		IntegrationKey: creds.IntegrationKey,
		UserID:         creds.UserID,
		PrivateKeyPEM:  creds.PrivateKeyPEM,
		AuthServer:     creds.AuthServer,
	})
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	summary, _, err := client.Envelopes.Create(ctx, &docusign.EnvelopeDefinition{
		Status:       "sent",
		EmailSubject: "Please sign the agreement",
		Documents: []docusign.Document{{
			DocumentID: "1", Name: "agreement.pdf", FileExtension: "pdf",
			DocumentBase64: base64.StdEncoding.EncodeToString([]byte(minimalPDF)),
		}},
		Recipients: &docusign.Recipients{Signers: []docusign.Signer{{
			RecipientID: "1", RoutingOrder: "1", Name: "Ada Signer",
			Email: "ada@example.test",
		}}},
	})
	if err != nil {
		log.Fatal(err)
	}

	envelope, _, err := client.Envelopes.Get(ctx, summary.EnvelopeID, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(envelope.Status, envelope.EmailSubject)
	// Output: sent Please sign the agreement
}
