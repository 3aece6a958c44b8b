package main

import (
	"context"
	"errors"
)

func runSimCommand(ctx context.Context, args []string, env environment) error {
	fs := newFlagSet("sim", "Run the Docusign simulator on its own.")
	if err := parseFlags(fs, args, env); err != nil {
		return err
	}
	return errors.New("sim: not written yet")
}
