package tui

import (
	"fmt"
	"os"

	"sigs.k8s.io/yaml"
)

// Threshold colours a figure: warn from Warn, critical from Crit; 0 turns a bound off. Below
// inverts them, for figures where less is worse (cache hits).
type Threshold struct {
	Warn  float64 `json:"warn"`
	Crit  float64 `json:"crit"`
	Below bool    `json:"below,omitempty"`
}

// Level returns v's level; an unknown figure (negative) is OK.
func (t Threshold) Level(v float64) Level {
	if v < 0 {
		return LevelOK
	}
	over := func(bound float64) bool {
		if bound == 0 {
			return false
		}
		if t.Below {
			return v < bound
		}
		return v >= bound
	}
	switch {
	case over(t.Crit):
		return LevelCrit
	case over(t.Warn):
		return LevelWarn
	}
	return LevelOK
}

// Thresholds colour the Pulse tiles; a file given with --thresholds overrides the defaults.
type Thresholds struct {
	RequestsPerSec Threshold `json:"requests_per_sec"`
	TokensPerMin   Threshold `json:"tokens_per_min"`
	CostPerHour    Threshold `json:"cost_per_hour"`
	ErrorPct       Threshold `json:"error_pct"`
	P95Ms          Threshold `json:"p95_ms"`
	FirstTokenMs   Threshold `json:"first_token_ms"`
	CacheHitPct    Threshold `json:"cache_hit_pct"`
}

// DefaultThresholds are the defaults: errors warn at 5% and are critical at 10% (k9s' 70/90
// would never fire for errors), p95 latency at 10 s and 30 s, first token at 2 s and 5 s; rates,
// cost and cache hits are not coloured until a file says so.
func DefaultThresholds() Thresholds {
	return Thresholds{
		ErrorPct:     Threshold{Warn: 5, Crit: 10},
		P95Ms:        Threshold{Warn: 10000, Crit: 30000},
		FirstTokenMs: Threshold{Warn: 2000, Crit: 5000},
	}
}

// LoadThresholds reads a YAML or JSON file of thresholds over the defaults.
func LoadThresholds(path string) (Thresholds, error) {
	t := DefaultThresholds()
	if path == "" {
		return t, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return t, fmt.Errorf("--thresholds: %w", err)
	}
	if err := yaml.UnmarshalStrict(b, &t); err != nil {
		return t, fmt.Errorf("--thresholds %s: %v", path, err)
	}
	return t, nil
}

func (t *Thresholds) of(tile int) Threshold {
	return [...]Threshold{t.RequestsPerSec, t.TokensPerMin, t.CostPerHour, t.ErrorPct, t.P95Ms, t.FirstTokenMs, t.CacheHitPct}[tile]
}
