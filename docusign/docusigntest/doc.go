// Package docusigntest is a local simulator of the Docusign eSignature REST API v2.1 and of
// the JWT Grant endpoints of the Docusign account server.
//
// One origin serves /oauth/token, /oauth/userinfo and /restapi/v2.1/accounts/{accountId}/...
// in Docusign's wire format: camelCase JSON, booleans, numbers and ids sent as strings,
// lower-case statuses, relative *Uri fields, UTC times with seven fractional digits, and
// errors as {"errorCode","message"}. The package does not import the client in package
// docusign, so a wire-format mistake in the client cannot hide behind a shared type.
//
// A test starts a server, gives its Credentials to the client under test and acts as the
// signers:
//
//	sim := docusigntest.NewServer(docusigntest.Options{})
//	defer sim.Close()
//	cred := sim.Credentials() // IntegrationKey, UserID, AccountID, PrivateKeyPEM, AuthServer
//	// ... the client creates an envelope with id envelopeID ...
//	_ = sim.Sign(envelopeID, "1") // recipient 1 signs, routing moves on
//	_ = sim.SignAll(envelopeID)   // everyone else signs, the envelope completes
//	calls := sim.Calls()          // e.g. calls[docusigntest.OpGetEnvelope]
//
// Options.TLS serves HTTPS with a self-signed certificate for clients, such as Docusign's
// official SDKs, that build OAuth URLs as "https://" + host. Start listens on a chosen
// loopback address for a standalone simulator, and WriteCredentials writes the key and ids
// to files for it.
//
// The signer actions (Server.Open, Server.Sign, Server.Decline, Server.SignAll,
// Server.Expire and the matching POST routes under /sim/) exist for tests and the demo only.
// Real Docusign has no API through which a sender acts as a signer.
package docusigntest
