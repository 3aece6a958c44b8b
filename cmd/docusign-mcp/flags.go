package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// newFlagSet returns a flag set for a subcommand whose help starts with summary.
// Errors and help are printed by parseFlags, so the flag set itself prints nothing.
func newFlagSet(name, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: docusign-mcp %s [flags]\n\n%s\n\nFlags:\n", name, summary)
		printFlags(out, fs)
	}
	return fs
}

// printFlags prints the flags of fs like flag.PrintDefaults, but with two dashes, the form
// that the README uses. The flag package accepts both.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		if hiddenFlags[f.Name] {
			return
		}
		typeName, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if typeName != "" {
			line += " " + typeName
		}
		fmt.Fprintf(w, "%s\n    \t%s", line, strings.ReplaceAll(usage, "\n", "\n    \t"))
		if !isZeroDefault(f.DefValue) {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// isZeroDefault reports whether a flag's default is its type's zero value, which help omits.
func isZeroDefault(value string) bool {
	switch value {
	case "", "0", "false", "0s":
		return true
	}
	return false
}

// parseFlags parses args into fs. On --help it prints the help to stdout and returns
// errHelp. On a bad flag it prints the error and a hint to stderr and returns a
// usageError, so the process exits with status 2.
func parseFlags(fs *flag.FlagSet, args []string, env environment) error {
	err := fs.Parse(args)
	switch {
	case err == nil && fs.NArg() > 0:
		fmt.Fprintf(env.stderr, "docusign-mcp %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(env.stdout)
		fs.Usage()
		return errHelp
	default:
		fmt.Fprintf(env.stderr, "docusign-mcp %s: %v\n", fs.Name(), err)
	}
	fmt.Fprintf(env.stderr, "Run 'docusign-mcp %s --help' for the flags.\n", fs.Name())
	return &usageError{}
}

// problemsError returns a usageError that prints each configuration problem on its
// own line, or nil when there are none.
func problemsError(command string, problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	var b strings.Builder
	for i, p := range problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "docusign-mcp %s: %s", command, p)
	}
	return &usageError{msg: b.String()}
}

// flagWasSet reports whether name was given on the command line.
func flagWasSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

// envSetting is a string flag that falls back to an environment variable when the
// flag is absent, so flags win over the environment.
type envSetting struct {
	flag  string
	env   string
	usage string
	value string
}

// register adds the setting's flag to fs, naming the variable in the help text.
func (s *envSetting) register(fs *flag.FlagSet) {
	fs.StringVar(&s.value, s.flag, "", fmt.Sprintf("%s (env %s)", s.usage, s.env))
}

// resolve fills the value from the environment when the flag was not given.
func (s *envSetting) resolve(fs *flag.FlagSet, getenv func(string) string) {
	if !flagWasSet(fs, s.flag) {
		s.value = getenv(s.env)
	}
	s.value = strings.TrimSpace(s.value)
}

// name returns how problems refer to the setting: the variable and the flag.
func (s *envSetting) name() string {
	return fmt.Sprintf("%s (--%s)", s.env, s.flag)
}
