package budget

import (
	_ "embed"
	"strconv"
	"time"
)

// ReserveScript and SettleScript are the Lua scripts the counters change by (CONTRACT-budgets.md).
var (
	//go:embed reserve.lua
	ReserveScript string
	//go:embed settle.lua
	SettleScript string
)

// keep is how long a counter outlives its period.
const keep = 7 * 24 * time.Hour

// Hold is the budgets one request reserved in: their counters and when each expires.
type Hold struct {
	Keys     []string // hash, zset pairs
	Limits   []int64
	ExpireAt []int64 // unix s
	Rules    []Rule
	Resets   []time.Time
}

// NewHold is the counters of rules for a consumer at now.
func NewHold(rules []Rule, consumer string, now time.Time) *Hold {
	h := &Hold{Rules: rules}
	for _, r := range rules {
		start, end := Period(now, r.Period, r.Loc)
		k := Key(r, consumer, start)
		h.Keys = append(h.Keys, k, k+":r")
		h.Limits = append(h.Limits, r.LimitNanos)
		h.ExpireAt = append(h.ExpireAt, end.Add(keep).Unix())
		h.Resets = append(h.Resets, end)
	}
	return h
}

// ReserveArgs are reserve.lua's ARGV.
func (h *Hold) ReserveArgs(nowMs int64, reqID string, amount, ttlMs int64) []any {
	args := []any{strconv.FormatInt(nowMs, 10), reqID, strconv.FormatInt(amount, 10), strconv.FormatInt(ttlMs, 10)}
	for i := range h.Limits {
		args = append(args, strconv.FormatInt(h.Limits[i], 10), strconv.FormatInt(h.ExpireAt[i], 10))
	}
	return args
}

// SettleArgs are settle.lua's ARGV.
func (h *Hold) SettleArgs(reqID string, amount, actual int64) []any {
	args := []any{reqID, strconv.FormatInt(amount, 10), strconv.FormatInt(actual, 10)}
	for _, e := range h.ExpireAt {
		args = append(args, strconv.FormatInt(e, 10))
	}
	return args
}
