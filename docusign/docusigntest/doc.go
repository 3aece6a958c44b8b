// Package docusigntest is a local simulator of the Docusign eSignature REST API v2.1 and of
// the JWT Grant endpoints of the Docusign account server.
//
// One origin serves /oauth/token, /oauth/userinfo and /restapi/v2.1/accounts/{accountId}/...
// in Docusign's wire format: camelCase JSON, booleans, numbers and ids sent as strings,
// lower-case statuses, relative *Uri fields, UTC times with seven fractional digits, and
// errors as {"errorCode","message"}. The package does not import the client in package
// docusign, so a wire-format mistake in the client cannot hide behind a shared type.
//
// The signer actions (Server.Open, Server.Sign, Server.Decline, Server.SignAll,
// Server.Expire and the matching POST routes under /sim/) exist for tests and the demo only.
// Real Docusign has no API through which a sender acts as a signer.
package docusigntest
