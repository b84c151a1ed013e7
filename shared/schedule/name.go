package schedule

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// MaxNameLen is the longest schedule name EventBridge Scheduler accepts.
const MaxNameLen = 64

// Name derives the EventBridge Scheduler schedule name of a flow's schedule on
// a stage. The name is deterministic and at most [MaxNameLen] characters of
// [0-9a-zA-Z-_.]: a readable part "flow.stage.project.tenant" (most specific
// first, so it survives the cut to length; characters outside the allowed
// set become '-', empty parts '-'), then '_' and 16 hex digits of a SHA-256
// of the exact inputs, so different inputs never share a name.
func Name(tenant, project, flow, stage string) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{tenant, project, flow, stage}, "\x00")))
	suffix := "_" + hex.EncodeToString(sum[:8])
	parts := []string{flow, stage, project, tenant}
	for i, p := range parts {
		parts[i] = sanitizeNamePart(p)
	}
	readable := strings.Join(parts, ".")
	if limit := MaxNameLen - len(suffix); len(readable) > limit {
		readable = readable[:limit]
	}
	return readable + suffix
}

func sanitizeNamePart(s string) string {
	if s == "" {
		return "-"
	}
	var b strings.Builder
	for _, r := range s {
		if validNameChar(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}

func validNameChar(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_' || r == '.'
}

// validName reports whether s is a valid schedule or group name.
func validName(s string) bool {
	if s == "" || len(s) > MaxNameLen {
		return false
	}
	for _, r := range s {
		if !validNameChar(r) {
			return false
		}
	}
	return true
}
