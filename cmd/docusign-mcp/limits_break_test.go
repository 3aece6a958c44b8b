package main

import (
	"encoding/base64"
	"testing"
)

// documentLimitBytes is the decoded size of all documents that create_envelope accepts in
// one call, as its input schema states (25 MB).
const documentLimitBytes = 25 << 20

// TestDefaultBodyLimitFitsDocuments checks that the HTTP transport's default body limit
// admits a create_envelope request that carries as many document bytes as the tool accepts.
// The documents travel as base64, a third larger than the files.
func TestDefaultBodyLimitFitsDocuments(t *testing.T) {
	need := int64(base64.StdEncoding.EncodedLen(documentLimitBytes))
	if defaultMaxBodyBytes < need {
		t.Errorf("default --max-body-bytes is %d, but a create_envelope call with %d bytes "+
			"of documents needs at least %d: over HTTP, documents above about %d MB fail "+
			"with a connection reset or HTTP 413 instead of a tool result",
			defaultMaxBodyBytes, documentLimitBytes, need, defaultMaxBodyBytes*3/4>>20)
	}
}
