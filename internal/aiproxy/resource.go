package aiproxy

import (
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// The bundled plugin's WasmPlugin lives beside the console's ai-proxy.internal, never in it. The
// console rewrites an internal plugin it saves: failStrategy back to FAIL_OPEN on every save, the
// whole spec from its built-in ai-proxy image when the version label is not its own, and providers
// in Higress ai-proxy's format (types and fields the bundled plugin refuses to load). So the bundled
// plugin is a custom plugin to the console (built-in "false", category custom, its own name label,
// which the console never looks up as ai-proxy): listed by it, never rewritten by its provider
// pages; and the console's ai-proxy.internal is left exactly as it is.
const (
	Plugin   = "higress-ai-proxy" // the higress.io/wasm-plugin-name label
	Version  = "1.0.0"            // the console's version for a custom plugin
	Resource = "higress-ai-proxy" // the WasmPlugin's name
	Phase    = "UNSPECIFIED_PHASE"
	Priority = int64(100) // where the console puts ai-proxy

	title       = "higress-ai AI Proxy"
	description = "higress-ai's bundled ai-proxy: upstream keys held by the gateway, per-consumer model lists, usage in ai_log."

	// AnnotationPreviousURL and AnnotationPreviousSHA record the image installed before the
	// current one, for rollback.
	AnnotationPreviousURL = "higress-ai.io/previous-url"
	AnnotationPreviousSHA = "higress-ai.io/previous-sha256"
)

// Image is where the plugin's module comes from.
type Image struct {
	URL    string // spec.url
	SHA256 string // spec.sha256 (hex): for an oci:// url the manifest digest; "" when not pinned
}

// Pinned reports an image fixed by digest.
func (i Image) Pinned() bool { return i.SHA256 != "" }

var hexDigest = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ParseImage reads an image reference: oci://REF@sha256:DIGEST (as plugin push prints it; no
// scheme means oci://). A reference without a digest (a tag, :latest, or none) is refused unless
// allowTag, since a tag can be moved under a running gateway.
func ParseImage(ref string, allowTag bool) (Image, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return Image{}, fmt.Errorf("no image: give the reference plugin push printed (oci://REGISTRY/REPO@sha256:DIGEST)")
	}
	scheme, rest, ok := strings.Cut(ref, "://")
	if !ok {
		scheme, rest = "oci", ref
	}
	switch scheme {
	case "oci":
	case "http", "https", "file":
		if !allowTag {
			return Image{}, fmt.Errorf("%q is not pinned by digest: use an oci:// reference with @sha256:DIGEST, or allow it with --allow-tag", ref)
		}
		return Image{URL: ref}, nil
	default:
		return Image{}, fmt.Errorf("%q: unsupported scheme %q: use oci://", ref, scheme)
	}
	if rest == "" || strings.HasPrefix(rest, "/") {
		return Image{}, fmt.Errorf("%q names no registry and repository", ref)
	}
	name, digest, hasDigest := strings.Cut(rest, "@")
	if hasDigest {
		hex, ok := strings.CutPrefix(digest, "sha256:")
		if !ok || !hexDigest.MatchString(hex) {
			return Image{}, fmt.Errorf("%q: the digest must be sha256: and 64 lower-case hex digits", ref)
		}
		return Image{URL: "oci://" + name + "@sha256:" + hex, SHA256: hex}, nil
	}
	if !allowTag {
		what := "no digest"
		if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
			what = "only the tag " + strconvQuote(name[i+1:])
		}
		return Image{}, fmt.Errorf("%q has %s: pin it by digest (the oci://...@sha256:... reference plugin push prints) or allow the tag with --allow-tag", ref, what)
	}
	return Image{URL: "oci://" + name}, nil
}

func strconvQuote(s string) string { return fmt.Sprintf("%q", s) }

// New returns a fresh WasmPlugin for the bundled plugin, shaped as the console writes a custom
// plugin, with an empty shared config that Higress does not apply globally (defaultConfigDisable:
// the plugin runs only on the routes bound to a provider).
func New(namespace string) wasmplugin.Plugin {
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "extensions.higress.io/v1alpha1",
		"kind":       "WasmPlugin",
		"metadata": map[string]any{
			"name":      Resource,
			"namespace": namespace,
		},
		"spec": map[string]any{
			"defaultConfig":        map[string]any{"providers": []any{}},
			"defaultConfigDisable": true,
		},
	}}
	p := wasmplugin.Plugin{Obj: obj}
	SetLabels(p)
	return p
}

// SetLabels writes the console's labels and annotations, so the console lists the plugin.
func SetLabels(p wasmplugin.Plugin) {
	labels := p.Obj.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels[wasmplugin.LabelName] = Plugin
	labels[wasmplugin.LabelVersion] = Version
	labels[wasmplugin.LabelBuiltIn] = "false"
	labels[wasmplugin.LabelCategory] = "custom"
	labels[wasmplugin.LabelDefiner] = "higress"
	p.Obj.SetLabels(labels)
	ann := p.Obj.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[wasmplugin.AnnotationTitle] = title
	ann[wasmplugin.AnnotationDesc] = description
	p.Obj.SetAnnotations(ann)
}

// CurrentImage is the plugin's spec.url and spec.sha256.
func CurrentImage(p wasmplugin.Plugin) Image {
	spec, _ := p.Obj.Object["spec"].(map[string]any)
	u, _ := spec["url"].(string)
	s, _ := spec["sha256"].(string)
	return Image{URL: u, SHA256: s}
}

// PreviousImage is the image recorded as installed before the current one.
func PreviousImage(p wasmplugin.Plugin) (Image, bool) {
	ann := p.Obj.GetAnnotations()
	u := ann[AnnotationPreviousURL]
	return Image{URL: u, SHA256: ann[AnnotationPreviousSHA]}, u != ""
}

// SetImage points the plugin at img; when that changes the image, the one it replaces is recorded
// as the previous one.
func SetImage(p wasmplugin.Plugin, img Image) {
	cur := CurrentImage(p)
	if cur == img {
		return
	}
	spec := p.Obj.Object["spec"].(map[string]any)
	if cur.URL != "" {
		ann := p.Obj.GetAnnotations()
		if ann == nil {
			ann = map[string]string{}
		}
		ann[AnnotationPreviousURL] = cur.URL
		if cur.SHA256 != "" {
			ann[AnnotationPreviousSHA] = cur.SHA256
		} else {
			delete(ann, AnnotationPreviousSHA)
		}
		p.Obj.SetAnnotations(ann)
	}
	spec["url"] = img.URL
	if img.SHA256 != "" {
		spec["sha256"] = img.SHA256
	} else {
		delete(spec, "sha256")
	}
}
