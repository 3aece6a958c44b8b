package main

import (
	"context"
	"errors"
	"flag"
)

func runDemoCommand(ctx context.Context, args []string, env environment) error {
	fs := newFlagSet("demo", "Sign one envelope end to end against the simulator.")
	if err := parseFlags(fs, args, env); err != nil {
		return err
	}
	_ = flag.ErrHelp
	return errors.New("demo: not written yet")
}
