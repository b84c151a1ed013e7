package routing

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Length limits of the two parts of a trigger target.
const (
	// MaxProjectLen is the longest project slug, in bytes.
	MaxProjectLen = 40
	// MaxStageLen is the longest stage name, in bytes.
	MaxStageLen = 32
)

// Target is the project stage a trigger request addresses. Its parts follow the rules
// projects and stages are created by (package store), so a target that parses names a
// project stage that may exist, and one that cannot exist is refused here with the reason
// instead of reaching the store as invalid input.
type Target struct {
	// Project is the project's slug: lowercase letters, digits and hyphens, not starting or
	// ending with a hyphen, without "--" (so no punycode label, "xn--…").
	Project string `json:"project"`
	// Stage is the stage name: a lowercase letter, then lowercase letters and digits.
	Stage string `json:"stage"`
}

// Host returns the trigger host of t under baseDomain,
// e.g. "my-shop-prod.example.com". An empty baseDomain gives the label alone.
func (t Target) Host(baseDomain string) string {
	label := t.Project + "-" + t.Stage
	if baseDomain == "" {
		return label
	}
	return label + "." + baseDomain
}

// HostError reports a host that does not address a project stage.
type HostError struct {
	// Host is the host as given.
	Host string
	// Field is the part at fault: "host", "port", "base domain", "project" or "stage".
	Field string
	// Reason is a sentence fit to show the caller.
	Reason string
}

// Error implements error.
func (e *HostError) Error() string {
	return fmt.Sprintf("routing: host %q: %s", e.Host, e.Reason)
}

// PathError reports a request path that cannot be routed.
type PathError struct {
	// Path is the path as given.
	Path string
	// Field is the part at fault: "path", "project" or "stage".
	Field string
	// Reason is a sentence fit to show the caller.
	Reason string
}

// Error implements error.
func (e *PathError) Error() string {
	return fmt.Sprintf("routing: path %q: %s", e.Path, e.Reason)
}

// ParseHost parses a trigger host such as "my-shop-prod.example.com" or
// "my-shop-dev.localhost:8090" into its project and stage.
//
// The host is case-insensitive; a port and one trailing dot are ignored. The
// first label splits at its last hyphen: the part before is the project slug
// and the part after is the stage. When baseDomain is not empty the host must
// be exactly one label followed by baseDomain (compared case-insensitively, any
// port on baseDomain ignored). IP literals are refused.
func ParseHost(host, baseDomain string) (Target, error) {
	fail := func(field, reason string) (Target, error) {
		return Target{}, &HostError{Host: host, Field: field, Reason: reason}
	}
	h, field, reason := stripPort(host)
	if reason != "" {
		return fail(field, reason)
	}
	h = strings.TrimSuffix(h, ".")
	if h == "" {
		return fail("host", "the host is empty")
	}
	if reason := checkHostname(h); reason != "" {
		return fail("host", reason)
	}
	h = asciiLower(h)

	label, rest, _ := strings.Cut(h, ".")
	if baseDomain != "" {
		base, _, reason := stripPort(baseDomain)
		base = strings.Trim(base, ".")
		if reason == "" && base != "" {
			reason = checkHostname(base)
		} else if reason == "" {
			reason = "it is empty"
		}
		if reason != "" {
			return fail("base domain", fmt.Sprintf("the configured base domain %q is invalid: %s", baseDomain, reason))
		}
		base = asciiLower(base)
		if rest != base {
			return fail("base domain", fmt.Sprintf("the host must be <project>-<stage>.%s", base))
		}
	}
	project, stage, field, reason := splitLabel(label)
	if reason != "" {
		return fail(field, reason)
	}
	return Target{Project: project, Stage: stage}, nil
}

// ParsePath parses a path of the form "/{project}/{stage}/rest…" and returns the
// target and the remaining path, which always starts with "/" ("/" when nothing
// follows the stage). The path is case-sensitive: project and stage must
// already be lowercase. The remaining path is returned as given (not decoded).
func ParsePath(path string) (Target, string, error) {
	fail := func(field, reason string) (Target, string, error) {
		return Target{}, "", &PathError{Path: path, Field: field, Reason: reason}
	}
	if !strings.HasPrefix(path, "/") {
		return fail("path", "the path must start with /")
	}
	project, after, _ := strings.Cut(path[1:], "/")
	if project == "" {
		return fail("project", "the path has no project segment; use /{project}/{stage}/…")
	}
	stage, after, more := strings.Cut(after, "/")
	if stage == "" {
		return fail("stage", "the path has no stage segment; use /{project}/{stage}/…")
	}
	if reason := checkProject(project); reason != "" {
		return fail("project", reason)
	}
	if reason := checkStage(stage); reason != "" {
		return fail("stage", reason)
	}
	rest := "/"
	if more {
		// after is what follows "/{project}/{stage}/"; keep its leading slash.
		rest = path[len(path)-len(after)-1:]
	}
	return Target{Project: project, Stage: stage}, rest, nil
}

// ValidateProjectSlug reports whether s is a valid project slug: 1 to
// MaxProjectLen lowercase letters, digits and hyphens, not starting or ending
// with a hyphen, without "--".
func ValidateProjectSlug(s string) error {
	if reason := checkProject(s); reason != "" {
		return fmt.Errorf("project slug %q: %s", s, reason)
	}
	return nil
}

// ValidateStage reports whether s is a valid stage name: a lowercase letter,
// then lowercase letters and digits, at most MaxStageLen in all. A stage has no
// hyphen because a trigger host splits project and stage at the last hyphen.
func ValidateStage(s string) error {
	if reason := checkStage(s); reason != "" {
		return fmt.Errorf("stage %q: %s", s, reason)
	}
	return nil
}

// stripPort removes a ":port" suffix. It refuses IP literals and more than one
// colon. It returns the field and reason on failure.
func stripPort(host string) (h, field, reason string) {
	if strings.HasPrefix(host, "[") {
		return "", "host", "IP addresses cannot address a project; use <project>-<stage>.<domain>"
	}
	i := strings.LastIndexByte(host, ':')
	if i < 0 {
		return host, "", ""
	}
	if strings.IndexByte(host[:i], ':') >= 0 {
		return "", "host", "the host contains more than one ':'; IP addresses cannot address a project"
	}
	port := host[i+1:]
	if port == "" || len(port) > 5 {
		return "", "port", fmt.Sprintf("the port %q is not a number from 0 to 65535", port)
	}
	n := 0
	for j := 0; j < len(port); j++ {
		c := port[j]
		if c < '0' || c > '9' {
			return "", "port", fmt.Sprintf("the port %q is not a number from 0 to 65535", port)
		}
		n = n*10 + int(c-'0')
	}
	if n > 65535 {
		return "", "port", fmt.Sprintf("the port %q is not a number from 0 to 65535", port)
	}
	return host[:i], "", ""
}

// checkHostname checks that h is dot-separated non-empty labels of ASCII
// letters, digits, hyphens and underscores.
func checkHostname(h string) string {
	prev := byte('.')
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c == '.':
			if prev == '.' {
				return "the host has an empty label"
			}
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return fmt.Sprintf("the host contains %s; only letters, digits, hyphens, underscores and dots are allowed", charName(c))
		}
		prev = c
	}
	if prev == '.' {
		return "the host has an empty label"
	}
	return ""
}

// splitLabel splits a lowercase host label at its last hyphen and checks both parts.
func splitLabel(label string) (project, stage, field, reason string) {
	i := strings.LastIndexByte(label, '-')
	if i < 0 {
		return "", "", "host", fmt.Sprintf("the first label %q has no hyphen between project and stage; use <project>-<stage>", label)
	}
	project, stage = label[:i], label[i+1:]
	if project == "" {
		return "", "", "project", fmt.Sprintf("the first label %q has an empty project before the last hyphen", label)
	}
	if stage == "" {
		return "", "", "stage", fmt.Sprintf("the first label %q has an empty stage after the last hyphen", label)
	}
	if reason := checkProject(project); reason != "" {
		return "", "", "project", reason
	}
	if reason := checkStage(stage); reason != "" {
		return "", "", "stage", reason
	}
	return project, stage, "", ""
}

func checkProject(s string) string {
	if s == "" {
		return "the project slug is empty"
	}
	if len(s) > MaxProjectLen {
		return fmt.Sprintf("the project slug %q is longer than %d characters", s, MaxProjectLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Sprintf("the project slug %q contains %s; only lowercase letters, digits and hyphens are allowed", s, charName(c))
		}
	}
	if s[0] == '-' || s[len(s)-1] == '-' {
		return fmt.Sprintf("the project slug %q must not start or end with a hyphen", s)
	}
	if strings.Contains(s, "--") {
		return fmt.Sprintf("the project slug %q contains \"--\", which no project slug has", s)
	}
	return ""
}

func checkStage(s string) string {
	if s == "" {
		return "the stage is empty"
	}
	if len(s) > MaxStageLen {
		return fmt.Sprintf("the stage %q is longer than %d characters", s, MaxStageLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return fmt.Sprintf("the stage %q contains %s; only lowercase letters and digits are allowed", s, charName(c))
		}
	}
	if c := s[0]; c < 'a' || c > 'z' {
		return fmt.Sprintf("the stage %q must start with a lowercase letter", s)
	}
	return ""
}

// asciiLower lowercases ASCII letters only, so that no non-ASCII byte can be
// folded into an ASCII one. It does not allocate when s is already lowercase.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// charName describes one byte of input for an error message: the quoted
// character when it is printable ASCII, its hex value otherwise.
// segmentCharName names the first character of s: a whole character when it is valid
// UTF-8 ('ü', not its first byte), else the byte.
func segmentCharName(s string) string {
	if r, size := utf8.DecodeRuneInString(s); r != utf8.RuneError && size > 1 && unicode.IsPrint(r) {
		return fmt.Sprintf("%q", r)
	}
	return charName(s[0])
}

func charName(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}
