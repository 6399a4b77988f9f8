package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/higress-group/wasm-go/pkg/test"
	"github.com/stretchr/testify/require"
)

// behaviours are the plugin's behaviours as a client, an upstream or an operator sees them.
// TestPlugin runs each one twice through wasm-go's test host: as native Go, and against the
// compiled plugin in wazero (WASM_FILE_PATH, set by scripts/test-plugin.sh). One RunTest for all
// of them compiles the 6 MB module once instead of once per test (seconds each); the plugin is
// started afresh for every behaviour, on the same VM, as Envoy does on a config change.
// Run one with: go test -run 'TestPlugin/.*/ChatCompletion$' .
var behaviours = []struct {
	name string
	run  func(*testing.T)
}{
	// request_test.go
	{"ChatCompletion", testChatCompletion},
	{"PluginErrorsInOpenAIShape", testPluginErrorsInOpenAIShape},
	{"ModelsAnsweredFromConfig", testModelsAnsweredFromConfig},
	{"UpstreamErrorsPassAndKeysRotate", testUpstreamErrorsPassAndKeysRotate},
	{"OtherPathsPassWithoutTheClientsKey", testOtherPathsPassWithoutTheClientsKey},
	{"Azure", testAzure},
	{"AILogMergesWithOtherPlugins", testAILogMergesWithOtherPlugins},
	{"AILogReplacesOneItCannotRead", testAILogReplacesOneItCannotRead},
	{"UnreadableBodiesRefused", testUnreadableBodiesRefused},
	{"TimeoutHeader", testTimeoutHeader},
	{"RefusedKeyRests", testRefusedKeyRests},
	{"Completions", testCompletions},
	{"AzureWithoutDeployment", testAzureWithoutDeployment},
	{"UsageAsReported", testUsageAsReported},
	// security_test.go
	{"APIPathSpellingsAreChecked", testAPIPathSpellingsAreChecked},
	{"KeylessProviderRefusesUnknownPaths", testKeylessProviderRefusesUnknownPaths},
	{"KeylessPassThroughPathsCheckTheModel", testKeylessPassThroughPathsCheckTheModel},
	{"ConsumerTrustedOnlyWhereKeyAuthRuns", testConsumerTrustedOnlyWhereKeyAuthRuns},
	{"GatewayKeysNeverForwarded", testGatewayKeysNeverForwarded},
	// stream_test.go
	{"StreamingAddsUsageAndKeepsTheUsageChunk", testStreamingAddsUsageAndKeepsTheUsageChunk},
	{"StreamingKeepsTheUsageChunkTheClientAskedFor", testStreamingKeepsTheUsageChunkTheClientAskedFor},
	{"StreamEndingEarly", testStreamEndingEarly},
	{"StreamErrorStatus", testStreamErrorStatus},
	{"EventStreamNotAskedFor", testEventStreamNotAskedFor},
	// layout_test.go
	{"InvalidConfigFailsToStart", testInvalidConfigFailsToStart},
	{"RuleConfigInheritsAndOverrides", testRuleConfigInheritsAndOverrides},
	{"KeyRotationStartsOverOnEachStart", testKeyRotationStartsOverOnEachStart},
	{"HigressMultiProviderLayout", testHigressMultiProviderLayout},
	{"NoProviderAnswers503", testNoProviderAnswers503},
	{"HigressSettingsCarryOver", testHigressSettingsCarryOver},
	// prompt_test.go
	{"PromptParam", testPromptParam},
	{"PromptParamNeedsTheService", testPromptParamNeedsTheService},
}

func TestPlugin(t *testing.T) {
	test.RunTestWithPath(t, pluginPath(t, "WASM_FILE_PATH", "plugin.wasm"), func(t *testing.T) {
		for _, b := range behaviours {
			t.Run(b.name, b.run)
		}
	})
}

// Fake keys: obviously not real, and distinct so tests can tell which was used.
const (
	key1 = "sk-test-upstream-key-one"
	key2 = "sk-test-upstream-key-two"
)

var openaiConfig = json.RawMessage(`{
  "provider": {"type": "openai", "apiTokens": ["` + key1 + `", "` + key2 + `"],
               "modelMapping": {"gpt-4": "gpt-4o", "gpt-3.5-*": "gpt-4o-mini"}},
  "consumers": [{"name": "alice", "models": ["gpt-4o*", "gpt-4"]}, {"name": "intern", "models": ["gpt-4o-mini"]}],
  "models": ["gpt-4o-mini"],
  "keyAuth": {"global": true}
}`)

// start starts the plugin with cfg; the host is reset when the test ends.
func start(t *testing.T, cfg json.RawMessage) test.TestHost {
	t.Helper()
	host, status := test.NewTestHost(cfg)
	t.Cleanup(host.Reset)
	require.Equal(t, types.OnPluginStartStatusOK, status, "config %s", cfg)
	return host
}

func header(headers [][2]string, name string) (string, bool) {
	for _, h := range headers {
		if strings.EqualFold(h[0], name) {
			return h[1], true
		}
	}
	return "", false
}

// aiLog reads the ai_log property as the access log would print it.
func aiLog(t *testing.T, host test.TestHost) map[string]any {
	t.Helper()
	raw, err := host.GetProperty([]string{"ai_log"})
	require.NoError(t, err)
	var s string
	require.NoError(t, json.Unmarshal([]byte(`"`+string(raw)+`"`), &s), "ai_log is not an escaped JSON string: %s", raw)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &m))
	return m
}

// request sends the headers an OpenAI SDK sends, with the client's gateway key.
func request(host test.TestHost, path, consumer string, extra ...[2]string) types.Action {
	headers := [][2]string{{":authority", "gateway.example"}, {":method", "POST"}, {":path", path},
		{"content-type", "application/json"}, {"authorization", "Bearer hai_client_key_never_forwarded"}}
	if consumer != "" {
		headers = append(headers, [2]string{"x-mse-consumer", consumer})
	}
	return host.CallOnHttpRequestHeaders(append(headers, extra...))
}

// openAIError reads the plugin's own answer, which must be an error in OpenAI's shape, and
// returns its code.
func openAIError(t *testing.T, host test.TestHost, status uint32) string {
	t.Helper()
	resp := host.GetLocalResponse()
	require.NotNil(t, resp, "the plugin did not answer itself")
	require.Equal(t, status, resp.StatusCode, "%s", resp.Data)
	var e struct {
		Error struct{ Message, Type, Code string }
	}
	require.NoError(t, json.Unmarshal(resp.Data, &e), string(resp.Data))
	require.NotEmpty(t, e.Error.Message)
	require.NotEmpty(t, e.Error.Type)
	require.NotContains(t, string(resp.Data), "sk-test", "an upstream key in an error")
	ct, _ := header(resp.Headers, "content-type")
	require.Equal(t, "application/json", ct)
	// The access log's response_code_details names the plugin and the code, for usage and the
	// dashboard to tell this refusal from key-auth's or request-block's.
	require.Equal(t, "ai-proxy."+e.Error.Code, resp.StatusCodeDetail)
	return e.Error.Code
}
