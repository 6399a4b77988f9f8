package usage

import (
	"bytes"
	"strings"
)

// Reason says who refused a request, read from the access log's response_code_details (what the
// plugin that answered named itself with) rather than from the status alone: a 403 may be
// key-auth's allow list, request-block, ai-quota or the model allow list of ai-proxy.
type Reason string

const (
	ReasonNoKey        Reason = "key-auth: no or unknown key"
	ReasonNotAllowed   Reason = "key-auth: consumer not allowed"
	ReasonBlocked      Reason = "request-block"
	ReasonModel        Reason = "model not allowed"
	ReasonTokenLimit   Reason = "token rate limit"
	ReasonRateLimit    Reason = "rate limit"
	ReasonQuota        Reason = "quota"
	ReasonUpstream     Reason = "provider (via_upstream)"
	ReasonUnclassified Reason = "gateway"
)

// Denial is one refused request: 401, 403 or 429.
type Denial struct {
	Record
	Details string // response_code_details; "" when absent
	Reason  Reason
}

// deniedStatus reports whether a status is one of the refusals the dashboard classifies.
func deniedStatus(s int) bool { return s == 401 || s == 403 || s == 429 }

// ParseDenial reads a line and returns it as a denial when the request was refused with 401, 403
// or 429; a line of another status costs a byte search only.
func (p *Parser) ParseDenial(line []byte) (Denial, bool) {
	if !mayBeDenied(line) {
		return Denial{}, false
	}
	r, kind := p.Parse(line)
	if kind != Request || !deniedStatus(r.Status) {
		return Denial{}, false
	}
	d := Denial{Record: r}
	tokenLimited := false
	eachField(line, func(key, value []byte) {
		switch string(key) {
		case "response_code_details":
			if s, ok := stringValue(value); ok && !(len(s) == 1 && s[0] == '-') {
				d.Details = string(s)
			}
		case "ai_log":
			// ai-token-ratelimit writes token_ratelimit_status "limited" into ai_log.
			tokenLimited = bytes.Contains(value, []byte("token_ratelimit_status")) && bytes.Contains(value, []byte("limited"))
		}
	})
	d.Reason = Classify(r.Status, d.Details, tokenLimited)
	return d, true
}

// mayBeDenied finds a 401, 403 or 429 response_code, written as a string or a number.
func mayBeDenied(line []byte) bool {
	i := bytes.Index(line, []byte(`"response_code":`))
	if i < 0 {
		return false
	}
	v := line[i+len(`"response_code":`):]
	v = bytes.TrimLeft(v, ` "`)
	return bytes.HasPrefix(v, []byte("401")) || bytes.HasPrefix(v, []byte("403")) || bytes.HasPrefix(v, []byte("429"))
}

// Classify names who refused a request from its status, its response_code_details and whether
// ai-token-ratelimit marked it limited. via_upstream means the provider itself refused it (a
// wrong provider key, the provider's own rate limit), not the gateway.
func Classify(status int, details string, tokenLimited bool) Reason {
	d := strings.ToLower(details)
	switch {
	case d == "via_upstream" || strings.HasPrefix(d, "upstream"):
		return ReasonUpstream
	case tokenLimited || strings.HasPrefix(d, "ai-token-ratelimit") || strings.HasPrefix(d, "token_ratelimit"):
		return ReasonTokenLimit
	case strings.Contains(d, "model_not_allowed") || strings.Contains(d, "model-not-allowed"):
		return ReasonModel
	case strings.HasPrefix(d, "key-auth") || strings.HasPrefix(d, "key_auth"):
		if status == 401 {
			return ReasonNoKey
		}
		return ReasonNotAllowed
	case strings.HasPrefix(d, "request-block") || strings.HasPrefix(d, "request_block"):
		return ReasonBlocked
	case strings.HasPrefix(d, "ai-quota") || strings.HasPrefix(d, "ai_quota"):
		return ReasonQuota
	case strings.Contains(d, "ratelimit") || strings.Contains(d, "rate_limit") || strings.Contains(d, "rate-limit") || strings.Contains(d, "rate_limited"):
		return ReasonRateLimit
	}
	return ReasonUnclassified
}

// Keep reports whether the filter keeps r.
func (f Filter) Keep(r *Record) bool { return f.keep(r) }
