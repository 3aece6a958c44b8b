package tools

import (
	"slices"
	"strconv"
	"strings"
)

// Template pre-flight: create_envelope checks each role name and tab label against the
// template before it calls Docusign. Docusign matches both exactly, and a name that matches
// nothing is not an error there: a misspelt role becomes an extra recipient with no tabs,
// and a misspelt tab label leaves the tab blank.

// unknownRole is the error for a role name that the template does not define. It lists the
// valid names and the nearest one.
func unknownRole(field, templateID, roleName string,
	roles map[string]map[string]string) *ToolError {
	names := sortedKeys(roles)
	if len(names) == 0 {
		return invalidArgument(field, "template %s has no role %q, and it defines no roles: "+
			"pick a template with roles from list_templates", templateID,
			truncate(roleName, 40))
	}
	return invalidArgument(field, "template %s has no role %q%s: role names must match "+
		"exactly one of %s", templateID, truncate(roleName, 40), didYouMean(roleName, names),
		quoteList(names))
}

// unknownTabLabel is the error for a tab label that the template does not define for the
// role. It lists the role's labels and the nearest one.
func unknownTabLabel(field, roleName, label string, labels map[string]string) *ToolError {
	names := sortedKeys(labels)
	if len(names) == 0 {
		return invalidArgument(field, "role %q has no tabs in the template, so the value "+
			"for tab %q would be dropped: remove the tabs of this role",
			truncate(roleName, 40), truncate(label, 40))
	}
	return invalidArgument(field, "role %q has no tab labelled %q%s: tab labels must match "+
		"exactly one of %s", truncate(roleName, 40), truncate(label, 40),
		didYouMean(label, names), quoteList(names))
}

// didYouMean returns ` (did you mean "X"?)` for the nearest candidate, or "" when none is
// close enough to be a likely misspelling.
func didYouMean(name string, candidates []string) string {
	best, ok := nearestMatch(name, candidates)
	if !ok {
		return ""
	}
	return " (did you mean " + strconv.Quote(best) + "?)"
}

// nearestMatch returns the candidate with the smallest edit distance to name, compared
// without regard to case. It reports false when even the nearest one differs in more than
// half of name's characters, because such a suggestion would mislead.
func nearestMatch(name string, candidates []string) (string, bool) {
	best, bestDistance := "", -1
	for _, c := range candidates {
		d := levenshtein(strings.ToLower(name), strings.ToLower(c))
		if bestDistance < 0 || d < bestDistance {
			best, bestDistance = c, d
		}
	}
	limit := max(1, len([]rune(name))/2)
	if bestDistance < 0 || bestDistance > limit {
		return "", false
	}
	return best, true
}

// levenshtein returns the edit distance between a and b in runes: the number of insertions,
// deletions and substitutions that turn a into b.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	curr := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		curr[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			curr[j] = min(prev[j]+1, curr[j-1]+1, prev[j-1]+cost)
		}
		prev, curr = curr, prev
	}
	return prev[len(rb)]
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func quoteList(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = strconv.Quote(n)
	}
	return strings.Join(quoted, ", ")
}
