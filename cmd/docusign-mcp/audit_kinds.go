package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ys88io/docusign-mcp/alert"
	"github.com/ys88io/docusign-mcp/pipeline"
	"github.com/ys88io/docusign-mcp/store"
	"github.com/ys88io/docusign-mcp/tools"
)

// auditKinds are the kinds of audit record that the components append, in the order of
// docs/audit.md. The audit command lists them in its help and accepts only these.
var auditKinds = []string{
	store.AuditDocusignCall,
	store.AuditToolCall,
	tools.AuditApproval,
	store.AuditReconciliation,
	store.AuditWebhook,
	pipeline.AuditArchive,
	pipeline.AuditDelivery,
	alert.AuditKind,
	auditConsentResumed,
}

// auditKindList returns the kinds separated by commas, in lines of at most 80 columns.
func auditKindList() string {
	var b strings.Builder
	width := 0
	for i, kind := range auditKinds {
		switch {
		case i == 0:
		case width+2+len(kind) > 80:
			b.WriteString(",\n")
			width = 0
		default:
			b.WriteString(", ")
			width += 2
		}
		b.WriteString(kind)
		width += len(kind)
	}
	return b.String()
}

// checkAuditKind returns a usage error when kind is set but is not an audit record kind.
func checkAuditKind(action, kind string) error {
	if kind == "" || slices.Contains(auditKinds, kind) {
		return nil
	}
	return &usageError{msg: fmt.Sprintf("docusign-mcp audit %s: --kind %q is not a record "+
		"kind: use one of %s", action, kind, strings.Join(auditKinds, ", "))}
}
