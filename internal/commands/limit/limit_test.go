package limit

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/higress-ai/higress-ai/internal/action"
	"github.com/higress-ai/higress-ai/internal/commands/cmdtest"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/testenv"
)

func run(tf *cmdtest.Factory, args ...string) error {
	return tf.Run(NewCmdLimit(tf.Factory), args...)
}

func mustRun(t *testing.T, tf *cmdtest.Factory, args ...string) {
	t.Helper()
	if err := run(tf, args...); err != nil {
		t.Fatalf("limit %s: %v\nstderr: %s", strings.Join(args, " "), err, tf.Stderr)
	}
}

// withGitops copies the example folder: key-auth.internal with alice and legacy, Ingresses gpt-4o
// and team-a/deepseek.
func withGitops(t *testing.T) *cmdtest.Factory {
	t.Helper()
	tf := cmdtest.New(t)
	tf.CopyFiles(t, filepath.Join("..", "..", "..", "examples", "gitops"), "key-auth.yaml", "routes.yaml")
	return tf
}

// pluginSpec reads the ai-token-ratelimit document the commands wrote.
func pluginSpec(t *testing.T, tf *cmdtest.Factory) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(tf.ReadFile(t, "ai-token-ratelimit-2.0.1.yaml")), &doc); err != nil {
		t.Fatal(err)
	}
	return doc["spec"].(map[string]any)
}

func TestSetListRemoveInAFolder(t *testing.T) {
	tf := withGitops(t)
	tf.Stdin.WriteString("s3cret-redis-pass\n")
	mustRun(t, tf, "set", "alice", "--tokens-per-minute", "20000", "--redis-service", "redis.higress-system.svc.cluster.local", "--redis-password-stdin")
	if !strings.Contains(tf.Stderr.String(), "wasmplugin.extensions.higress.io/ai-token-ratelimit-2.0.1 created") {
		t.Fatalf("stderr %q", tf.Stderr)
	}
	if strings.Contains(tf.Stdout.String()+tf.Stderr.String(), "s3cret") {
		t.Fatalf("the Redis password was printed: %s%s", tf.Stdout, tf.Stderr)
	}
	spec := pluginSpec(t, tf)
	if spec["priority"] != float64(600) || spec["url"] != "oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/ai-token-ratelimit:2.0.1" {
		t.Errorf("not the console's ai-token-ratelimit: %v", spec)
	}
	cfg := spec["defaultConfig"].(map[string]any)
	redis := cfg["redis"].(map[string]any)
	if redis["service_name"] != "redis.higress-system.svc.cluster.local" || redis["password"] != "s3cret-redis-pass" || cfg["rule_name"] == nil {
		t.Errorf("config %v", cfg)
	}
	st, err := os.Stat(filepath.Join(tf.Dir, "ai-token-ratelimit-2.0.1.yaml"))
	if err != nil || st.Mode().Perm()&0o077 != 0 {
		t.Errorf("the file holding the Redis password is %v (%v), want no access for others", st.Mode(), err)
	}

	mustRun(t, tf, "set", "--default", "--tokens-per-hour", "500000")
	mustRun(t, tf, "set", "legacy", "--tokens-per-day", "1000000", "-o", "json")
	var out map[string]any
	if err := json.Unmarshal(tf.Stdout.Bytes(), &out); err != nil || out["consumer"] != "legacy" || out["window"] != "day" || out["change"] != "added" {
		t.Errorf("-o json: %v %s", err, tf.Stdout)
	}
	mustRun(t, tf, "set", "alice", "--tokens-per-minute", "20000")
	if !strings.Contains(tf.Stderr.String(), `"alice" already has 20000 tokens per minute in global`) {
		t.Errorf("no-op: %q", tf.Stderr)
	}

	mustRun(t, tf, "list", "-o", "json")
	var entries []map[string]any
	if err := json.Unmarshal(tf.Stdout.Bytes(), &entries); err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, e := range entries {
		got = append(got, fmt.Sprintf("%s/%s/%v/%s/%v", e["consumer"], e["scope"], e["tokens"], e["window"], e["applies"]))
	}
	want := "alice/global/20000/minute/true legacy/global/1e+06/day/true */global/500000/hour/true"
	if strings.Join(got, " ") != want {
		t.Errorf("list: %s\nwant %s", strings.Join(got, " "), want)
	}
	mustRun(t, tf, "list")
	if !strings.Contains(tf.Stdout.String(), "(everyone else)") || !strings.HasPrefix(tf.Stdout.String(), "CONSUMER") {
		t.Errorf("table:\n%s", tf.Stdout)
	}

	// A route rule starts from the global limits, so alice keeps hers on the route.
	mustRun(t, tf, "set", "legacy", "--tokens-per-minute", "100", "--route", "gpt-4o")
	if !strings.Contains(tf.Stderr.String(), "starts from the global limits") {
		t.Errorf("stderr %q", tf.Stderr)
	}
	rules := pluginSpec(t, tf)["matchRules"].([]any)
	rule := rules[0].(map[string]any)
	b, _ := json.Marshal(rule)
	if !strings.Contains(string(b), `"key":"alice","token_per_minute":20000`) || !strings.Contains(string(b), `"key":"legacy","token_per_minute":100`) || !strings.Contains(string(b), `"ingress":["gpt-4o"]`) {
		t.Errorf("route rule %s", b)
	}

	mustRun(t, tf, "remove", "alice")
	mustRun(t, tf, "list", "-o", "name")
	if tf.Stdout.String() != "limit/legacy\nlimit/*\nlimit/alice\nlimit/legacy\nlimit/*\n" {
		t.Errorf("after remove: %q", tf.Stdout)
	}
	mustRun(t, tf, "remove", "alice", "--route", "gpt-4o")
	mustRun(t, tf, "remove", "legacy", "--route", "gpt-4o")
	mustRun(t, tf, "remove", "--default", "--route", "gpt-4o")
	if !strings.Contains(tf.Stderr.String(), "the rule is removed") {
		t.Errorf("stderr %q", tf.Stderr)
	}
	if _, ok := pluginSpec(t, tf)["matchRules"]; ok {
		t.Error("the emptied route rule was left behind")
	}
}

func TestSetRefuses(t *testing.T) {
	tf := withGitops(t)
	before := func() []string {
		entries, _ := os.ReadDir(tf.Dir)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}
	files := before()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"set", "mallory", "--tokens-per-minute", "5", "--redis-service", "r.static"}, `unknown consumer "mallory"`},
		{[]string{"set", "alice", "--tokens-per-minute", "0", "--redis-service", "r.static"}, "positive whole number"},
		{[]string{"set", "alice", "--tokens-per-minute", "-3", "--redis-service", "r.static"}, "positive whole number"},
		{[]string{"set", "alice", "--tokens-per-minute", "1.5", "--redis-service", "r.static"}, "invalid argument"},
		{[]string{"set", "alice", "--tokens-per-minute", "5", "--tokens-per-hour", "9", "--redis-service", "r.static"}, "one window per consumer"},
		{[]string{"set", "alice", "--redis-service", "r.static"}, "give the limit"},
		{[]string{"set", "alice", "--tokens-per-week", "5"}, "unknown flag: --tokens-per-week"},
		{[]string{"set", "alice", "--tokens-per-minute", "5"}, "give --redis-service"},
		{[]string{"set", "alice", "--default", "--tokens-per-minute", "5"}, "not both"},
		{[]string{"set", "alice", "--tokens-per-minute", "5", "--redis-service", "r.static", "--route", "nope"}, `unknown route "nope"`},
		{[]string{"remove", "alice"}, "no ai-token-ratelimit"},
	}
	for _, tc := range cases {
		err := run(tf, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: %v, want one line containing %q", tc.args, err, tc.want)
		}
	}
	if after := before(); strings.Join(after, ",") != strings.Join(files, ",") {
		t.Errorf("a refused command wrote files: %v", after)
	}
}

// The replay through the commands, on a generated log whose refusals are worked out here
// independently: alice (limit 1,000 tokens a minute) sends 600 tokens every 20 s, each answered
// in 2 s; the counter is 600 after the first answer, 1,200 after the second, so the third request
// (40 s) and the one after (60 s, the window started at 2 s and ends at 62 s) are refused; the
// 80 s request starts a new window.
func TestReplay(t *testing.T) {
	tf := withGitops(t)
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var log strings.Builder
	for i := 0; i < 6; i++ {
		at := start.Add(time.Duration(i) * 20 * time.Second)
		aiLog := `{\"model\":\"gpt-4o\",\"consumer\":\"alice\",\"input_token\":400,\"output_token\":200}`
		fmt.Fprintf(&log, `{"start_time":"%s","route_name":"gpt-4o","response_code":"200","duration":"2000","ai_log":"%s"}`+"\n", at.Format(time.RFC3339Nano), aiLog)
	}
	log.WriteString("not json\n")
	tf.WriteFile(t, "access.log", log.String())
	tf.WriteFile(t, "proposed.yaml", `rule_name: trial
redis: {service_name: redis.static}
rule_items:
- limit_by_consumer: ''
  limit_keys: [{key: alice, token_per_minute: 1000}]
`)
	mustRun(t, tf, "replay", "--log-file", filepath.Join(tf.Dir, "access.log"), "--limits", filepath.Join(tf.Dir, "proposed.yaml"), "-o", "json")
	var rows []map[string]any
	if err := json.Unmarshal(tf.Stdout.Bytes(), &rows); err != nil {
		t.Fatalf("%v: %s", err, tf.Stdout)
	}
	if len(rows) != 1 || rows[0]["consumer"] != "alice" || rows[0]["requests"] != float64(6) || rows[0]["refused"] != float64(2) ||
		rows[0]["tokensSaved"] != float64(1200) || rows[0]["firstRefused"] != "2026-12-01T09:00:40Z" {
		t.Fatalf("replay %v", rows)
	}
	// gpt-4o: $2.50 per million input tokens, $10 per million output.
	if c := rows[0]["costSavedUsd"].(float64); c < 0.0059999 || c > 0.0060001 {
		t.Errorf("cost saved %v, want 2 x (400 x 2.5 + 200 x 10) / 1e6 = 0.006", c)
	}
	if !strings.Contains(tf.Stderr.String(), "skipped 1 line") {
		t.Errorf("stderr %q", tf.Stderr)
	}
	mustRun(t, tf, "replay", "--log-file", filepath.Join(tf.Dir, "access.log"), "--limits", filepath.Join(tf.Dir, "proposed.yaml"), "-o", "csv")
	if !strings.HasPrefix(tf.Stdout.String(), "CONSUMER,REQUESTS,REFUSED") || !strings.Contains(tf.Stdout.String(), "alice,6,2,2026-12-01T09:00:40Z,1200,0.006000") {
		t.Errorf("csv:\n%s", tf.Stdout)
	}
	// Without proposed limits and with none in force there is nothing to replay through.
	if err := run(tf, "replay", "--log-file", filepath.Join(tf.Dir, "access.log")); err == nil || !strings.Contains(err.Error(), "no ai-token-ratelimit") {
		t.Errorf("no limits: %v", err)
	}
	if err := run(tf, "replay"); err == nil || !strings.Contains(err.Error(), "--log-file") {
		t.Errorf("no log: %v", err)
	}
}

// On the real API server: set, change and remove; concurrent writers each keep their limit; a
// console-made ai-token-ratelimit keeps every field the tool does not own.
func TestCluster(t *testing.T) {
	kc := testenv.Kubeconfig(t)
	ns := testenv.Namespace(t, kc)
	tf := cmdtest.NewCluster(t, kc, ns)
	// Consumers to limit.
	dc := testenv.Dynamic(t, kc)
	var keyAuth map[string]any
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "examples", "gitops", "key-auth.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &keyAuth); err != nil {
		t.Fatal(err)
	}
	testenv.Create(t, dc, ns, keyAuth)
	// The console's instance, with a field of its own.
	testenv.Create(t, dc, ns, map[string]any{
		"apiVersion": k8s.APIVersion, "kind": k8s.Kind,
		"metadata": map[string]any{"name": "ai-token-ratelimit-2.0.1", "labels": map[string]any{"higress.io/wasm-plugin-name": "ai-token-ratelimit", "higress.io/resource-definer": "higress"}},
		"spec": map[string]any{"url": "oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/ai-token-ratelimit:2.0.1", "priority": int64(600), "failStrategy": "FAIL_OPEN",
			"defaultConfig": map[string]any{"rule_name": "console-rule", "redis": map[string]any{"service_name": "redis.static", "timeout": int64(500)}, "x_console": "kept",
				"rule_items": []any{map[string]any{"limit_by_per_consumer": "", "limit_keys": []any{map[string]any{"key": "*", "token_per_hour": int64(1000)}}}}}},
	})
	mustRun(t, tf, "set", "alice", "--tokens-per-minute", "100")
	mustRun(t, tf, "set", "alice", "--tokens-per-minute", "250")
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, who := range []string{"legacy", "alice"} {
		wg.Add(1)
		go func(who string) {
			defer wg.Done()
			f := cmdtest.NewCluster(t, kc, ns)
			errs <- run(f, "set", who, "--tokens-per-day", "7000")
		}(who)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	mustRun(t, tf, "list", "-o", "json")
	var entries []map[string]any
	if err := json.Unmarshal(tf.Stdout.Bytes(), &entries); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range entries {
		got[e["consumer"].(string)] = fmt.Sprintf("%v/%s", e["tokens"], e["window"])
	}
	if got["alice"] != "7000/day" || got["legacy"] != "7000/day" || got["*"] != "1000/hour" {
		t.Errorf("after concurrent writers: %v", got)
	}
	obj := testenv.Get(t, dc, ns, "ai-token-ratelimit-2.0.1")
	spec := obj["spec"].(map[string]any)
	cfg := spec["defaultConfig"].(map[string]any)
	if cfg["x_console"] != "kept" || cfg["rule_name"] != "console-rule" || spec["failStrategy"] != "FAIL_OPEN" || cfg["redis"].(map[string]any)["timeout"] != int64(500) {
		t.Errorf("the console's fields were not kept: %v", spec)
	}
	mustRun(t, tf, "remove", "alice")
	mustRun(t, tf, "remove", "legacy")
	mustRun(t, tf, "list", "-o", "name")
	if tf.Stdout.String() != "limit/*\n" {
		t.Errorf("after remove: %q", tf.Stdout)
	}
}

// consumer remove forgets the consumer's limits everywhere; consumer show lists the ones that
// apply to a consumer (its own, else the default).
func TestForgetConsumerAndConsumerLimits(t *testing.T) {
	tf := withGitops(t)
	mustRun(t, tf, "set", "alice", "--tokens-per-minute", "100", "--redis-service", "r.static")
	mustRun(t, tf, "set", "--default", "--tokens-per-hour", "900")
	mustRun(t, tf, "set", "alice", "--tokens-per-day", "5000", "--route", "gpt-4o")
	env, err := tf.Env()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p, err := env.Find(ctx, action.RateLimitTarget(env, ""))
	if err != nil || p == nil {
		t.Fatal(p, err)
	}
	got := func(consumer string) string {
		es, err := action.ConsumerLimits(*p, consumer)
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, e := range es {
			s = append(s, fmt.Sprintf("%s:%d/%s", e.Scope, e.Tokens, e.Window))
		}
		return strings.Join(s, " ")
	}
	if g := got("alice"); g != "global:100/minute route gpt-4o:5000/day" {
		t.Errorf("alice's limits: %s", g)
	}
	if g := got("legacy"); g != "global:900/hour route gpt-4o:900/hour" {
		t.Errorf("legacy's limits: %s", g)
	}
	res, where, err := action.ForgetConsumer{Consumer: "alice"}.Run(ctx, env)
	if err != nil || !res.Changed || strings.Join(where, ";") != "global;route gpt-4o" {
		t.Fatalf("forget: %v %v %v", res.Changed, where, err)
	}
	mustRun(t, tf, "list", "-o", "name")
	if tf.Stdout.String() != "limit/*\nlimit/*\n" {
		t.Errorf("after forgetting alice: %q", tf.Stdout)
	}
	res, where, err = action.ForgetConsumer{Consumer: "alice"}.Run(ctx, env)
	if err != nil || res.Changed || len(where) != 0 {
		t.Errorf("forgetting again: %v %v %v", res.Changed, where, err)
	}
}

// Found by attacking the commands: removing the last limits leaves a config limits can be set in
// again (and a route rule made then keeps the Redis); route names with control characters are
// refused; --limits must hold limits.
func TestRemoveAllThenSetAgainAndRefusals(t *testing.T) {
	tf := withGitops(t)
	mustRun(t, tf, "set", "alice", "--tokens-per-minute", "100", "--redis-service", "redis.static")
	mustRun(t, tf, "set", "--default", "--tokens-per-hour", "900")
	mustRun(t, tf, "remove", "--default")
	mustRun(t, tf, "remove", "alice")
	if err := run(tf, "remove", "alice"); err == nil || !strings.Contains(err.Error(), "has no limit") {
		t.Errorf("removing again: %v", err)
	}
	mustRun(t, tf, "set", "alice", "--tokens-per-minute", "200", "--route", "gpt-4o")
	mustRun(t, tf, "set", "alice", "--tokens-per-minute", "300")
	mustRun(t, tf, "list", "-o", "json")
	var entries []map[string]any
	if err := json.Unmarshal(tf.Stdout.Bytes(), &entries); err != nil || len(entries) != 2 {
		t.Fatalf("after setting again: %v %s", err, tf.Stdout)
	}
	spec := pluginSpec(t, tf)
	rule := spec["matchRules"].([]any)[0].(map[string]any)["config"].(map[string]any)
	if rule["redis"] == nil || rule["rule_name"] == nil {
		t.Errorf("the route rule made while the global config was disabled lost where to count: %v", rule)
	}
	if spec["defaultConfigDisable"] != false {
		t.Errorf("the global config was not enabled again: %v", spec["defaultConfigDisable"])
	}
	for _, args := range [][]string{
		{"set", "alice", "--tokens-per-minute", "5", "--route", "x\x1b[31my", "--any-route"},
		{"remove", "alice", "--route", "x\x1b[31my"},
	} {
		if err := run(tf, args...); err == nil || !strings.Contains(err.Error(), "control or invisible") || strings.Contains(err.Error(), "\x1b") {
			t.Errorf("%v: %v", args, err)
		}
	}
	log := filepath.Join("..", "..", "..", "examples", "gateway-access.log")
	for _, f := range []string{"key-auth.yaml", "routes.yaml"} {
		err := run(tf, "replay", "--log-file", log, "--limits", filepath.Join(tf.Dir, f))
		if err == nil || !strings.Contains(err.Error(), "not an ai-token-ratelimit WasmPlugin") {
			t.Errorf("--limits %s: %v", f, err)
		}
	}
	tf.WriteFile(t, "foo.yaml", "foo: bar\n")
	if err := run(tf, "replay", "--log-file", log, "--limits", filepath.Join(tf.Dir, "foo.yaml")); err == nil || !strings.Contains(err.Error(), "no token limit to replay") {
		t.Errorf("--limits foo.yaml: %v", err)
	}
}
