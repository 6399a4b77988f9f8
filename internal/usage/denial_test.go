package usage

import "testing"

func TestClassify(t *testing.T) {
	cases := []struct {
		status  int
		details string
		limited bool
		want    Reason
	}{
		{401, "key-auth.unauthorized", false, ReasonNoKey},
		{403, "key-auth.unauthorized", false, ReasonNotAllowed},
		{403, "request-block.url_blocked.exact", false, ReasonBlocked},
		{403, "ai-proxy.model_not_allowed", false, ReasonModel},
		{403, "ai-quota.noquota", false, ReasonQuota},
		{429, "ai-token-ratelimit.rejected", false, ReasonTokenLimit},
		{429, "", true, ReasonTokenLimit},
		{429, "cluster-key-rate-limit.rejected", false, ReasonRateLimit},
		{429, "local_rate_limited", false, ReasonRateLimit},
		{429, "via_upstream", false, ReasonUpstream},
		{401, "via_upstream", false, ReasonUpstream},
		// A 403 with nothing to tell who answered is not guessed from its status.
		{403, "", false, ReasonUnclassified},
	}
	for _, tc := range cases {
		if got := Classify(tc.status, tc.details, tc.limited); got != tc.want {
			t.Errorf("Classify(%d, %q, %v) = %q, want %q", tc.status, tc.details, tc.limited, got, tc.want)
		}
	}
}

func TestParseDenial(t *testing.T) {
	cases := []struct {
		name   string
		line   string
		ok     bool
		reason Reason
		who    string
	}{
		{"key-auth 401, status a string", `{"response_code":"401","response_code_details":"key-auth.no_key","route_name":"gpt-4o"}`, true, ReasonNoKey, ""},
		{"model refused, consumer known", `{"ai_log":"{\"consumer\":\"bob\",\"model\":\"gpt-4o\"}","response_code":403,"response_code_details":"ai-proxy.model_not_allowed"}`, true, ReasonModel, "bob"},
		{"token limit marked in ai_log", `{"ai_log":"{\"consumer\":\"ci\",\"token_ratelimit_status\":\"limited\"}","response_code":"429","response_code_details":"-"}`, true, ReasonTokenLimit, "ci"},
		{"200 is not a denial", `{"response_code":"200","response_code_details":"via_upstream"}`, false, "", ""},
		{"500 is not a denial", `{"response_code":"500","response_code_details":"via_upstream"}`, false, "", ""},
		{"not JSON", `[warning] 403`, false, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, ok := NewParser().ParseDenial([]byte(tc.line))
			if ok != tc.ok || d.Reason != tc.reason || (ok && d.Consumer != tc.who) {
				t.Errorf("ParseDenial = %+v, %v; want %q by %q, %v", d, ok, tc.reason, tc.who, tc.ok)
			}
		})
	}
}
