package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Settings of the configuration file itself.
const (
	configFlag = "config"
	configEnv  = "DOCUSIGN_MCP_CONFIG"
	// maxConfigFileSize bounds how much of a configuration file is read; a file with every
	// flag set is a few KiB.
	maxConfigFileSize = 1 << 20
)

// envInUsage finds the variable that a flag's help names as "(env NAME)", the form that
// envSetting.register writes. A configuration file value yields to that variable.
var envInUsage = regexp.MustCompile(`\(env ([A-Z][A-Z0-9_]*)\)`)

// secretKeys are configuration keys that name secrets, with where each secret belongs.
// A configuration file is often copied, committed or shown, so it must not contain them.
var secretKeys = map[string]string{
	"store-key": "set DOCUSIGN_MCP_STORE_KEY, or name a key file with store-key-file",
	"secrets-key": "set DOCUSIGN_MCP_SECRETS_KEY, or name a key file with " +
		"secrets-key-file",
	"private-key": "name the PEM file with private-key-file, or import it into the " +
		"secret file",
	"bridge-authorization": "set DOCUSIGN_MCP_BRIDGE_AUTHORIZATION",
	"metrics-token":        "set " + metricsTokenEnv,
	"connect-hmac-keys": "set DOCUSIGN_CONNECT_HMAC_KEYS, or import the keys into the " +
		"secret file",
	"downstream-hmac-key": "set DOCUSIGN_MCP_DOWNSTREAM_HMAC_KEY",
}

// secretWords mark a key as a secret when it is not a flag and not in secretKeys.
var secretWords = []string{"secret", "password", "token", "hmac", "private-key", "credential"}

// addConfigFlag defines --config on fs and returns its value.
func addConfigFlag(fs *flag.FlagSet) *string {
	return fs.String(configFlag, "", fmt.Sprintf("JSON file of settings keyed by flag name; "+
		"flags and environment variables win over it (env %s)", configEnv))
}

// configFilePath returns the --config flag's value, else the variable's.
func configFilePath(fs *flag.FlagSet, value string, getenv func(string) string) string {
	if flagWasSet(fs, configFlag) {
		return strings.TrimSpace(value)
	}
	return strings.TrimSpace(getenv(configEnv))
}

// applyConfigFile sets each flag that the JSON object in path names and that neither the
// command line nor the flag's environment variable set. It returns a usageError that lists
// every unknown key, wrong type and secret at once, each with its fix.
func applyConfigFile(fs *flag.FlagSet, path string, getenv func(string) string) error {
	if path == "" {
		return nil
	}
	values, err := readConfigFile(path)
	if err != nil {
		return &usageError{msg: fmt.Sprintf("docusign-mcp %s: %v", fs.Name(), err)}
	}
	var problems []string
	for _, key := range sortedConfigKeys(values) {
		if problem := applyConfigValue(fs, key, values[key], getenv); problem != "" {
			problems = append(problems, fmt.Sprintf("config file %s: %s", path, problem))
		}
	}
	return problemsError(fs.Name(), problems)
}

// readConfigFile reads path as one JSON object. Numbers stay json.Number, so that an
// integer flag can reject 1.5 and keep 64-bit values exact.
func readConfigFile(path string) (map[string]json.RawMessage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config file %q cannot be read: %w: check %s or --%s", path,
			err, configEnv, configFlag)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("config file %q cannot be read: %w", path, err)
	}
	if len(data) > maxConfigFileSize {
		return nil, fmt.Errorf("config file %q is larger than %d bytes: it should contain "+
			"one JSON object of flag settings", path, maxConfigFileSize)
	}
	var values map[string]json.RawMessage
	if err := json.Unmarshal(data, &values); err != nil {
		return nil, fmt.Errorf("config file %q is not a JSON object: %v: write "+
			`{"flag-name": value, ...} as in examples/config.json`, path, err)
	}
	return values, nil
}

func sortedConfigKeys(values map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// applyConfigValue sets one flag from the file, unless the command line or its variable
// set it, and returns a problem or "".
func applyConfigValue(fs *flag.FlagSet, key string, raw json.RawMessage,
	getenv func(string) string) string {
	if strings.HasPrefix(key, "$") {
		return "" // "$schema" and similar annotations for editors
	}
	f := fs.Lookup(key)
	if f == nil || key == configFlag || hiddenFlags[key] {
		return unknownKeyProblem(fs, key)
	}
	values, problem := configFlagValues(f, raw)
	if problem != "" {
		return fmt.Sprintf("key %q %s", key, problem)
	}
	if flagWasSet(fs, key) {
		return ""
	}
	if m := envInUsage.FindStringSubmatch(f.Usage); m != nil && getenv(m[1]) != "" {
		return ""
	}
	for _, v := range values {
		if strings.Contains(v, "-----BEGIN") {
			return fmt.Sprintf("key %q contains a PEM block: a config file must not contain "+
				"keys, so put the key in a file of its own and name that file", key)
		}
		if err := fs.Set(key, v); err != nil {
			return fmt.Sprintf("key %q has an invalid value %q: %v", key, truncate(v, 80), err)
		}
	}
	return ""
}

// unknownKeyProblem explains a key that is not a flag: a secret that belongs elsewhere, or
// a misspelling with the closest flag name.
func unknownKeyProblem(fs *flag.FlagSet, key string) string {
	normalized := strings.ToLower(strings.ReplaceAll(key, "_", "-"))
	normalized = strings.TrimPrefix(normalized, "docusign-mcp-")
	normalized = strings.TrimPrefix(normalized, "docusign-")
	if fix, ok := secretKeys[normalized]; ok {
		return fmt.Sprintf("key %q names a secret, which a config file must not contain: %s",
			key, fix)
	}
	for _, word := range secretWords {
		if strings.Contains(normalized, word) {
			return fmt.Sprintf("key %q names a secret, which a config file must not "+
				"contain: pass secrets in environment variables or the secret file "+
				"(docusign-mcp secrets import)", key)
		}
	}
	if best := closestFlag(fs, normalized); best != "" {
		return fmt.Sprintf("unknown key %q: did you mean %q? Keys are the flag names of "+
			"'docusign-mcp %s --help' without the dashes", key, best, fs.Name())
	}
	return fmt.Sprintf("unknown key %q: keys are the flag names of 'docusign-mcp %s --help' "+
		"without the dashes", key, fs.Name())
}

// closestFlag returns the visible flag name nearest to key by edit distance, or "" when
// none is within a third of the key's length.
func closestFlag(fs *flag.FlagSet, key string) string {
	best, bestDistance := "", len(key)/3+1
	fs.VisitAll(func(f *flag.Flag) {
		if hiddenFlags[f.Name] || f.Name == configFlag {
			return
		}
		if d := editDistance(key, f.Name); d < bestDistance {
			best, bestDistance = f.Name, d
		}
	})
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// flagKind is the JSON type that a flag takes in a configuration file.
type flagKind int

const (
	kindString flagKind = iota
	kindBool
	kindInteger
	kindNumber
	kindDuration
	// kindList is a flag.Value without a flag.Getter, such as a repeatable flag: a string or
	// an array of strings, each passed to Set in order.
	kindList
)

// kindOf returns the JSON type of f's value.
func kindOf(f *flag.Flag) flagKind {
	getter, ok := f.Value.(flag.Getter)
	if !ok {
		return kindList
	}
	switch getter.Get().(type) {
	case bool:
		return kindBool
	case int, int64, uint, uint64:
		return kindInteger
	case float64:
		return kindNumber
	case time.Duration:
		return kindDuration
	case string:
		return kindString
	}
	return kindList
}

// configFlagValues converts a JSON value to the strings that flag.Set takes, or returns a
// problem that names the expected type.
func configFlagValues(f *flag.Flag, raw json.RawMessage) ([]string, string) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, "is not valid JSON"
	}
	switch kind := kindOf(f); kind {
	case kindBool:
		if b, ok := v.(bool); ok {
			return []string{strconv.FormatBool(b)}, ""
		}
		return nil, "must be true or false, e.g. " + strconv.Quote(f.Name) + ": true"
	case kindInteger, kindNumber:
		return numberValue(v, kind == kindInteger, f.DefValue)
	case kindDuration:
		s, ok := v.(string)
		if _, err := time.ParseDuration(s); !ok || err != nil {
			return nil, `must be a Go duration string such as "90s", "30m" or "1h"`
		}
		return []string{s}, ""
	case kindString:
		if s, ok := v.(string); ok {
			return []string{s}, ""
		}
		return nil, "must be a string, e.g. " + strconv.Quote(f.Name) + ": " +
			strconv.Quote(stringExample(f))
	}
	return listValues(v)
}

// usageExample matches the example value in a flag's help, such as "e.g. default=7y,nda=3y".
var usageExample = regexp.MustCompile(`e\.g\. ([^\s;()]+)`)

// stringExample returns a value for a string flag to show in a problem: the example in its
// help, else its default, else a placeholder.
func stringExample(f *flag.Flag) string {
	if m := usageExample.FindStringSubmatch(f.Usage); m != nil {
		return strings.Trim(m[1], `",.`)
	}
	if f.DefValue != "" {
		return f.DefValue
	}
	return "VALUE"
}

// numberValue checks a JSON number for an integer or float flag.
func numberValue(v any, integer bool, example string) ([]string, string) {
	n, ok := v.(json.Number)
	if !ok {
		return nil, "must be a JSON number, e.g. " + example
	}
	if !integer {
		if _, err := n.Float64(); err != nil {
			return nil, "must be a number"
		}
		return []string{n.String()}, ""
	}
	if _, err := n.Int64(); err != nil {
		f, ferr := n.Float64()
		if ferr == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return []string{strconv.FormatInt(int64(f), 10)}, ""
		}
		return nil, "must be a whole number, e.g. " + example
	}
	return []string{n.String()}, ""
}

// listValues accepts a string or an array of strings for a repeatable flag.
func listValues(v any) ([]string, string) {
	switch v := v.(type) {
	case string:
		return []string{v}, ""
	case []any:
		out := make([]string, 0, len(v))
		for _, item := range v {
			s, ok := item.(string)
			if !ok {
				return nil, "must be a string or an array of strings"
			}
			out = append(out, s)
		}
		return out, ""
	}
	return nil, "must be a string or an array of strings"
}
