// Package doctor checks a Higress AI gateway for what higress-ai relies on and what commonly goes
// wrong: each finding has a stable code (HAI0101...), a level, the object it concerns, a one-line
// verdict and the fix. It reads a snapshot of the gateway (Gateway) and prints nothing; the
// doctor command gathers the snapshot from a cluster or a folder and presents the findings.
// docs/doctor.md explains every code; a test keeps the two in step.
package doctor

import (
	"fmt"
	"sort"
	"strings"

	"github.com/higress-ai/higress-ai/internal/aiproxy"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// Level is how serious a finding is.
type Level int

const (
	Info Level = iota
	Warning
	Error
)

func (l Level) String() string {
	switch l {
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return "info"
}

// ParseLevel reads "info", "warning" or "error".
func ParseLevel(s string) (Level, error) {
	for _, l := range []Level{Info, Warning, Error} {
		if l.String() == s {
			return l, nil
		}
	}
	return 0, fmt.Errorf("unknown level %q: use info, warning or error", s)
}

// Finding is one result of a check.
type Finding struct {
	Code    string `json:"code"`
	Level   Level  `json:"-"`
	Object  string `json:"object"` // what it concerns: "wasmplugin/key-auth.internal", "route/gpt-4o"
	Message string `json:"message"`
	Fix     string `json:"fix,omitempty"`
}

// LevelName is the level as JSON carries it.
func (f Finding) LevelName() string { return f.Level.String() }

// Cluster holds what only a cluster can tell; nil when the snapshot is a folder.
type Cluster struct {
	Context, Server string
	// CRD reports the WasmPlugin CRD is installed.
	CRD bool
	// Denied lists the verbs the user may not use, as "verb resource" ("update wasmplugins").
	Denied []string
	// AccessLogFormat is the gateway's access-log format from ConfigMap higress-config; Known
	// false when it could not be read.
	AccessLogFormat      string
	AccessLogFormatKnown bool
	// GatewayLog holds recent lines of the gateway's own log (plugin load errors); nil when the
	// pods' logs could not be read.
	GatewayLog []string
}

// Gateway is the snapshot the checks read.
type Gateway struct {
	Namespace string
	// Plugins are every WasmPlugin in Higress's namespace.
	Plugins []wasmplugin.Plugin
	// Routes are the Ingresses Higress serves; RoutesKnown false when they could not be listed.
	Routes      []k8s.Route
	RoutesKnown bool
	Cluster     *Cluster
}

// Check runs every check on the snapshot and returns the findings, most serious first.
func Check(g Gateway) []Finding {
	var out []Finding
	for _, check := range []func(Gateway) []Finding{checkCluster, checkPlugins, checkChain, checkKeyAuth, checkLogging, checkLimits, checkBundledProxy} {
		out = append(out, check(g)...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Level != out[j].Level {
			return out[i].Level > out[j].Level
		}
		return out[i].Code < out[j].Code
	})
	return out
}

// finding makes a finding of code, whose level comes from the code table.
func finding(code, object, fix, format string, args ...any) Finding {
	return Finding{Code: code, Level: Codes[code].Level, Object: object, Message: fmt.Sprintf(format, args...), Fix: fix}
}

func pluginObject(p wasmplugin.Plugin) string { return "wasmplugin/" + p.Name() }

// byKind returns the plugins of a kind (key-auth, request-block, ...), in order. The bundled
// ai-proxy, which has a name label of its own so the console leaves it alone, is an ai-proxy.
func byKind(g Gateway, kind string) []wasmplugin.Plugin {
	var out []wasmplugin.Plugin
	for _, p := range g.Plugins {
		k := p.PluginName()
		if k == aiproxy.Plugin {
			k = "ai-proxy"
		}
		if k == kind {
			out = append(out, p)
		}
	}
	return out
}

// Suppression hides findings: a code, and optionally an object pattern ("HAI0302=route/*").
type Suppression struct {
	Code, Object string
}

// ParseSuppression reads CODE or CODE=OBJECT-PATTERN (a trailing * matches any rest).
func ParseSuppression(s string) (Suppression, error) {
	code, obj, _ := strings.Cut(s, "=")
	if _, ok := Codes[code]; !ok {
		return Suppression{}, fmt.Errorf("unknown code %q", code)
	}
	return Suppression{Code: code, Object: obj}, nil
}

// Hides reports whether the suppression hides f.
func (s Suppression) Hides(f Finding) bool {
	if s.Code != f.Code {
		return false
	}
	if s.Object == "" {
		return true
	}
	if prefix, ok := strings.CutSuffix(s.Object, "*"); ok {
		return strings.HasPrefix(f.Object, prefix)
	}
	return s.Object == f.Object
}

// Filter drops suppressed findings.
func Filter(fs []Finding, sup []Suppression) []Finding {
	var out []Finding
	for _, f := range fs {
		hidden := false
		for _, s := range sup {
			if s.Hides(f) {
				hidden = true
				break
			}
		}
		if !hidden {
			out = append(out, f)
		}
	}
	return out
}

// AtOrAbove counts the findings at level l or above.
func AtOrAbove(fs []Finding, l Level) int {
	n := 0
	for _, f := range fs {
		if f.Level >= l {
			n++
		}
	}
	return n
}
