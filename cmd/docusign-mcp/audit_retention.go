package main

import (
	"context"
	"fmt"

	"github.com/ys88io/docusign-mcp/store"
)

// runAuditRetention prints the saved retention, or saves the limits given as flags. A limit
// left out keeps its saved value.
func runAuditRetention(_ context.Context, f *auditFlags, env environment) error {
	if err := f.checkLimits(); err != nil {
		return err
	}
	change := *f.maxRecords > 0 || *f.maxAge > 0
	s, err := f.openStore(env, !change)
	if err != nil {
		return err
	}
	defer s.Close()

	retention, saved, err := store.LoadAuditRetention(s)
	if err != nil {
		return err
	}
	if change {
		if *f.maxRecords > 0 {
			retention.MaxRecords = *f.maxRecords
		}
		if *f.maxAge > 0 {
			retention.MaxAge = *f.maxAge
		}
		if err := store.SaveAuditRetention(s, retention); err != nil {
			return err
		}
		saved = true
	}

	origin := "default"
	if saved {
		origin = "saved"
	}
	fmt.Fprintf(env.stdout, "audit retention (%s): keep at most %d records, none older "+
		"than %s\n", origin, retention.MaxRecords, retention.MaxAge)
	return nil
}

// checkLimits rejects a negative --max-age. Zero limits mean the saved retention.
func (f *auditFlags) checkLimits() error {
	if *f.maxAge < 0 {
		return &usageError{msg: fmt.Sprintf("docusign-mcp %s: --max-age is %s: use a "+
			"positive duration such as 8760h", f.fs.Name(), *f.maxAge)}
	}
	return nil
}
